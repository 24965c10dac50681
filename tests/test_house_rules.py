"""The house rules hold: ``make lint`` (ruff, and import-linter's contracts in
.importlinter) passes, so a sideways import between wings, an upward import, I/O in the
pure core or an import cycle fails the suite, and with it CI."""

from __future__ import annotations

import subprocess

from tests.support import ROOT


def test_make_lint_passes():
    result = subprocess.run(
        ["make", "-s", "lint"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert ", 0 broken." in result.stdout
