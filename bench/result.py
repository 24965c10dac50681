"""The one machine-readable line each benchmark prints last, which bench/all.py reads:

    BENCH-RESULT {"name": "forecast", "figures": {"forecasts/s": 41234}, "target": "...",
                  "ok": true}

(on one line). ``figures`` are the headline figures, named as the summary table shows
them; ``ok`` is whether the target was met, or null for a benchmark that only measures.
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "BENCH-RESULT "


def report(name: str, figures: dict[str, Any], target: str, ok: bool | None) -> None:
    """Print the result line (flushed, so that a pipe sees it at once)."""
    line = {"name": name, "figures": figures, "target": target, "ok": ok}
    print(PREFIX + json.dumps(line, ensure_ascii=False), flush=True)


def parse(line: str) -> dict[str, Any] | None:
    """The result a line carries, or None if it is not a well-formed result line."""
    if not line.startswith(PREFIX):
        return None
    try:
        result = json.loads(line[len(PREFIX) :])
    except json.JSONDecodeError:
        return None
    if not isinstance(result, dict) or not isinstance(result.get("figures"), dict):
        return None
    return result
