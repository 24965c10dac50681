"""Every command the README shows works as printed, from the project's root: each line of
its ``sh`` blocks is run in a shell against this test's database and Redis, and must end
with exit code 0. The few that cannot run here are named below with the reason."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.support import ROOT, process_env

# Commands not run here, and why.
NOT_RUN = {
    "make run": "starts the service until stopped",
    "make test": "is what runs this suite",
    "make bench": "takes minutes: the benchmarks, not the suite",
    ".venv/bin/flask --app bot reminders schedule": "sweeps every minute until stopped",
    ".venv/bin/flask --app bot worker": "works the queues until stopped (--burst is run)",
    ".venv/bin/flask --app bot dlt import var/dlt_portal_export.csv": "reads the DLT portal's "
    "file (tests/test_dlt.py runs the round trip: export, approval, import, check)",
    ".venv/bin/flask --app bot dlt check": "exits 1 until the portal approved every template, "
    "as it should on a fresh clone (tests/test_dlt.py)",
}
PASSWORD = "a long enough password\n" * 2  # typed, then typed again to confirm
# Commands that read from the terminal, and what a user would type.
TYPED = {
    ".venv/bin/flask --app bot chat +919812345678": "HELP\n",
    ".venv/bin/flask --app bot chat --voice +919812345678": "1\n",
    ".venv/bin/flask --app bot users create admin@example.org --role admin": PASSWORD,
    ".venv/bin/flask --app bot users create officer@example.org --role district "
    "--district LUCKNOW": PASSWORD,
}


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            command = line.split("  #")[0].split(" # ")[0].strip()
            if command:
                commands.append(command)
    return commands


COMMANDS = readme_commands()


def test_the_readme_shows_commands_and_this_test_knows_the_ones_it_skips():
    assert len(COMMANDS) > 20
    assert set(NOT_RUN) <= set(COMMANDS)
    assert set(TYPED) <= set(COMMANDS)


def runs_here(command: str) -> bool:
    """Not a benchmark (minutes each)."""
    return command not in NOT_RUN and not command.startswith(".venv/bin/python bench/")


@pytest.mark.parametrize("command", [c for c in COMMANDS if runs_here(c)])
def test_a_readme_command_works_as_printed(command, config):
    result = subprocess.run(
        command,
        shell=True,
        cwd=ROOT,
        env=process_env(config, SECRET_KEY="readme-test"),
        input=TYPED.get(command, ""),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


def test_extracting_messages_with_no_text_changed_leaves_every_catalog_as_it_is():
    catalogs = [ROOT / "locales" / "messages.pot", *sorted((ROOT / "locales").glob("*/*/*.po"))]
    before = {path: path.read_bytes() for path in catalogs}
    result = subprocess.run(
        ["make", "-s", "extract-messages"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    after = {path: path.read_bytes() for path in catalogs}
    for path, content in before.items():
        path.write_bytes(content)  # as they were, whatever happened
    assert result.returncode == 0, result.stderr
    assert [p.name for p in catalogs if after[p] != before[p]] == []
