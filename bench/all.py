"""Run every benchmark in bench/, one after another, and print one summary table at the end.

    make bench                          (starts a throwaway Redis, installs wrk if missing)
    .venv/bin/python bench/all.py [NAME ...]     e.g.  bench/all.py webhook forecast

Each benchmark runs as its own process (this Python, in the project's folder), and its
output is shown as it comes. Each one prints, as its last line, a BENCH-RESULT line
(bench/result.py): its headline figures, its target and whether it met it. The table has
one row per benchmark: those figures, the target, and pass, FAIL, info (a benchmark with
no target) or ERROR (it crashed, timed out, printed no result or left processes running;
the others still run). Exit code 0 only if no row is FAIL or ERROR.

With REDIS_URL set (make bench sets it), the benchmarks that need Redis share that one;
without it, each starts its own.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.result import parse  # noqa: E402

# In the order they run: the name is the file's, bench/<name>.py.
BENCHMARKS = (
    "webhook",
    "exotel",
    "forecast",
    "sweep",
    "send",
    "sqlite_sharing",
    "broadcast",
    "load",
)


@dataclass
class Row:
    """One benchmark's line in the summary table."""

    name: str
    status: str  # "pass", "FAIL", "info" or "ERROR"
    seconds: float
    figures: dict[str, Any] = field(default_factory=dict)
    target: str = ""
    note: str = ""


def shown(value: Any) -> str:
    """A figure as the table shows it: numbers with thousands separators, yes/no."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return f"{value:,}"
    return "-" if value is None else str(value)


def judged(name: str, code: int, result: dict[str, Any] | None, seconds: float) -> Row:
    """The row for a benchmark that exited with ``code`` after printing ``result``."""
    if result is None:
        return Row(name, "ERROR", seconds, note=f"exit code {code}, no BENCH-RESULT line")
    row = Row(name, "ERROR", seconds, result["figures"], str(result.get("target", "")))
    ok = result.get("ok")
    if ok is None and code == 0:
        row.status = "info"
    elif ok is True and code == 0:
        row.status = "pass"
    elif ok is False and code == 1:
        row.status = "FAIL"
    else:
        row.note = f"exit code {code} with ok={ok}"
    return row


def signal_group(leader: int, signum: int) -> None:
    """Send ``signum`` to the process group of ``leader``, if any of it is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(leader, signum)


def echo(stream: IO[str], lines: list[str]) -> None:
    """Print each line of ``stream`` as it comes, and keep it."""
    for line in stream:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))


def run(name: str, timeout: float) -> Row:
    """Run bench/<name>.py, echoing its output; its row for the table."""
    print(f"\n===== bench/{name}.py =====", flush=True)
    started = time.monotonic()
    # A process group of its own: what it started can be stopped with it, if need be.
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / f"{name}.py")],
        cwd=ROOT,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        process_group=0,
    )
    lines: list[str] = []
    reader = threading.Thread(target=echo, args=(process.stdout, lines), daemon=True)
    reader.start()
    note = ""
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        note = f"stopped after {timeout:.0f} s"
        signal_group(process.pid, signal.SIGTERM)
        code = process.wait()
    except KeyboardInterrupt:  # the terminal's Ctrl-C reaches only this process group
        signal_group(process.pid, signal.SIGINT)
        process.wait()
        raise
    reader.join(10)
    if reader.is_alive():  # something it started still holds its output open
        note = note or "left processes running; stopped them"
        signal_group(process.pid, signal.SIGTERM)
        reader.join(10)
    results = [result for result in map(parse, lines) if result is not None]
    row = judged(name, code, results[-1] if results else None, time.monotonic() - started)
    if note:
        row.status, row.note = "ERROR", note
    print(f"----- bench/{name}.py: {row.status} in {row.seconds:.0f} s -----", flush=True)
    return row


def table(rows: list[Row]) -> str:
    """The summary table, one row per benchmark, in plain text."""
    header = ("benchmark", "figures", "target", "result", "time")
    lines = [
        (
            row.name,
            ", ".join(f"{key} {shown(value)}" for key, value in row.figures.items()) or row.note,
            row.target,
            row.status + (f" ({row.note})" if row.note and row.figures else ""),
            f"{row.seconds:.0f} s",
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def joined(cells: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = tuple("-" * width for width in widths)
    return "\n".join(joined(cells).rstrip() for cells in [header, rule, *lines])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"only these ({', '.join(BENCHMARKS)})"
    )
    parser.add_argument(
        "--timeout", type=float, default=1800, help="seconds one benchmark may take (1800)"
    )
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (there are {', '.join(BENCHMARKS)})")
    chosen = [name for name in BENCHMARKS if not args.names or name in args.names]

    started = time.monotonic()
    rows = [run(name, args.timeout) for name in chosen]
    print(
        f"\nBenchmarks: {len(rows)} in {(time.monotonic() - started) / 60:.1f} min, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(table(rows))
    bad = [row.name for row in rows if row.status in ("FAIL", "ERROR")]
    print(f"\n{'all targets met' if not bad else 'not met: ' + ', '.join(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
