"""Speaking prompts as TwiML: ``<Say>`` in the caller's language, or a recording.

Every prompt is spoken with the voice and language configured for its language
(VOICE_SAY_VOICES, VOICE_SAY_LANGUAGES), unless it has a recording: then it is played, so
a programme can use a human voice. Recordings are found by key and language, under
VOICE_AUDIO_BASE_URL (``{base}/hi/ASK_BIRTH_MONTH.mp3``, for every prompt without a value
in it) or named one by one in VOICE_AUDIO (``hi.ASK_BIRTH_MONTH=https://.../month.mp3``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from twilio.twiml.voice_response import Gather, VoiceResponse

from flows.voice_call import Prompt
from locales import Renderable, Text, render

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


def recordable(text: Renderable) -> bool:
    """Whether a prompt is the same every time (no name, date or place in it), so that a
    recording can replace it."""
    return isinstance(text, Text) and not text.params


def recording_path(lang: str, key: str) -> str:
    """Where under VOICE_AUDIO_BASE_URL the recording of a prompt is: "hi/WELCOME.mp3"."""
    return f"{lang}/{key}.mp3"


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
    audio_base_url: str = ""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Speech:
        audio = {}
        for key, url in pairs(config["VOICE_AUDIO"]).items():
            lang, _, prompt = key.partition(".")
            if not prompt:
                raise ValueError(f"VOICE_AUDIO: {key!r} should look like hi.ASK_BIRTH_MONTH")
            audio[(lang, prompt)] = url
        return cls(
            voices=pairs(config["VOICE_SAY_VOICES"]),
            languages=pairs(config["VOICE_SAY_LANGUAGES"]),
            audio=audio,
            gather_timeout=config["VOICE_GATHER_TIMEOUT"],
            audio_base_url=str(config.get("VOICE_AUDIO_BASE_URL") or "").rstrip("/"),
        )

    def recording(self, prompt: Prompt) -> str | None:
        """The URL of ``prompt``'s recording, or None when it is to be spoken."""
        named = self.audio.get((prompt.lang, prompt.key))
        if named or not self.audio_base_url or not recordable(prompt.text):
            return named
        return f"{self.audio_base_url}/{recording_path(prompt.lang, prompt.key)}"

    def add(self, verb: VoiceResponse | Gather, prompt: Prompt) -> None:
        """Add ``prompt`` to ``verb``: its recording if one is set, else spoken."""
        recording = self.recording(prompt)
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
