"""Speaking prompts as TwiML: ``<Say>`` in the caller's language, or a recording.

Every prompt is spoken with the voice and language configured for its language
(VOICE_SAY_VOICES, VOICE_SAY_LANGUAGES), unless VOICE_AUDIO names a recording for its
key and language ("hi.ASK_BIRTH_DATE=https://.../dob-hi.mp3"): then it is played, so a
programme can use a human voice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twilio.twiml.voice_response import Gather, VoiceResponse

from flows.voice_call import Prompt
from locales import render

# "OPV-1" is read "OPV minus one" by some voices: a hyphen before a number is a pause.
_HYPHEN_NUMBER = re.compile(r"(?<=\S)-(?=\d)")


def pairs(value: str | Mapping[str, str]) -> dict[str, str]:
    """A setting of "key=value" pairs, comma-separated (or already a mapping)."""
    if isinstance(value, Mapping):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    found = {}
    for item in value.split(","):
        key, sep, setting = item.partition("=")
        if sep and key.strip():
            found[key.strip()] = setting.strip()
    return found


def spoken(text: str) -> str:
    """Text as a speech engine should get it."""
    return _HYPHEN_NUMBER.sub(" ", text)


@dataclass(frozen=True)
class Speech:
    """How prompts are voiced: per language a ``<Say>`` voice and language, and recordings."""

    voices: dict[str, str]
    languages: dict[str, str]
    audio: dict[tuple[str, str], str]
    gather_timeout: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Speech:
        audio = {}
        for key, url in pairs(config["VOICE_AUDIO"]).items():
            lang, _, prompt = key.partition(".")
            if not prompt:
                raise ValueError(f"VOICE_AUDIO: {key!r} should look like hi.ASK_BIRTH_DATE")
            audio[(lang, prompt)] = url
        return cls(
            voices=pairs(config["VOICE_SAY_VOICES"]),
            languages=pairs(config["VOICE_SAY_LANGUAGES"]),
            audio=audio,
            gather_timeout=config["VOICE_GATHER_TIMEOUT"],
        )

    def add(self, verb: VoiceResponse | Gather, prompt: Prompt) -> None:
        """Add ``prompt`` to ``verb``: its recording if one is set, else spoken."""
        recording = self.audio.get((prompt.lang, prompt.key))
        if recording:
            verb.play(recording)
        else:
            verb.say(
                spoken(render(prompt.text, prompt.lang)),
                voice=self.voices.get(prompt.lang),
                language=self.languages.get(prompt.lang),
            )

    def twiml(self, prompts: list[Prompt], digits: int | None, action: str) -> str:
        """The prompts inside a keypad ``<Gather>`` posting to ``action``; or, when no keys
        are wanted, the prompts and a hang-up."""
        response = VoiceResponse()
        if digits is None:
            for prompt in prompts:
                self.add(response, prompt)
            response.hangup()
            return str(response)
        gather = response.gather(
            input="dtmf",
            num_digits=digits,
            action=action,
            method="POST",
            timeout=self.gather_timeout,
            action_on_empty_result=True,
        )
        for prompt in prompts:
            self.add(gather, prompt)
        return str(response)


def reject_busy() -> str:
    """A call turned away unanswered, so never billed: the heart of a missed-call service."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)
