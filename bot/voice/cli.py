"""The voice channel in the terminal: play the IVR without a phone, and sweep due calls.

``flask --app bot chat --voice +919812345678`` runs the same IVR flow and store as a
real call: prompts are printed, keypad digits typed (an empty line is silence, as when a
caller presses nothing), and SMS the call sends are shown as they are queued.
"""

from __future__ import annotations

import csv
import datetime as dt
import uuid
from collections.abc import Callable

import click

from bot.channels.twilio_voice import recording_path
from bot.services import Services, services
from bot.voice.calls import sweep_calls
from bot.voice.ivr import Reply, answer_call, keys_pressed
from flows import voice_texts
from locales import LANGUAGES, render
from scheduler import clock


def play_ivr(
    tika: Services,
    phone: str,
    read: Callable[[str], str] = input,
    echo: Callable[[str], None] = click.echo,
) -> None:
    """Play one IVR call from ``phone`` in the terminal, until it ends or input does."""
    call_sid = "CACONSOLE" + uuid.uuid4().hex
    echo("Calling Tika. Type keys and press Enter; an empty line is silence; Ctrl-D hangs up.")
    reply: Reply = answer_call(tika, call_sid, phone)
    while True:
        for prompt in reply.prompts:
            echo(f"tika> {render(prompt.text, prompt.lang)}")
        for body in reply.sms:
            echo(f"sms> {body}")
        if reply.digits is None:
            echo("(the call ended)")
            return
        try:
            keys = read(f"keys ({reply.digits})> ")
        except EOFError:
            echo("(you hung up)")
            return
        reply = keys_pressed(tika, call_sid, reply.turn, keys.strip())


@click.group()
def voice() -> None:
    """Call-backs, retries and reminder calls."""


@voice.command("sweep")
@click.option("--now", "now_text", help="The moment to sweep for (ISO 8601 with offset).")
def sweep_command(now_text: str | None) -> None:
    """Claim every voice call due now (a call-back, a retry, an SMS instead) and queue it."""
    now = clock.now() if now_text is None else dt.datetime.fromisoformat(now_text)
    if now.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2025-02-10T10:30:00+05:30")
    click.echo(f"claimed {sweep_calls(services(), now.astimezone(dt.UTC))} voice calls")


@voice.command("prompts")
@click.option("--lang", "lang", type=click.Choice(LANGUAGES), required=True)
def prompts_command(lang: str) -> None:
    """The prompts a programme can record, as CSV: the file (under VOICE_AUDIO_BASE_URL)
    and the words to say. Prompts with a name, date or place in them are always spoken."""
    out = csv.writer(click.get_text_stream("stdout"), lineterminator="\n")
    out.writerow(["file", "text"])
    for key, msgid in vars(voice_texts).items():
        if key.isupper() and isinstance(msgid, str) and "%(" not in msgid:
            out.writerow([recording_path(lang, key), render(msgid, lang)])
