"""Run a command with the system clock moved DAYS ahead: `python scripts/clock_ahead.py 400 -- pytest -m clock`.

`make clock` runs the date-sensitive tests (marker `clock`) this way at 45 and 400 days, so a test that passes
only near the day it was written (a demo built for a fixed day read against the real "now", a survey that closes
next week) fails the build instead of a contributor's checkout a month later.

The clock is moved by libfaketime, preloaded into the command and every process it starts: Python's `time` and
`datetime`, SQLite's `CURRENT_TIMESTAMP`, DuckDB's `now()`, the TLS certificates' validity checks and file times
written through the clock all see the moved date. The library comes from PyPI's `libfaketime` package (a dev
dependency), whose build keeps waits working: Debian's `faketime` 0.9.10 stretches `time.sleep` and thread
timeouts under an offset, which hangs servers that tests start. Monotonic clocks are left alone, so timeouts,
backoff and benchmarks measure real durations.

Files written by a moved process carry moved times, but files made before it started (a template database, a
cache) keep real ones: tests that age a file set its times themselves (`os.utime`) rather than trust the clock
they were made under.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import libfaketime

USAGE = "usage: python scripts/clock_ahead.py DAYS -- COMMAND [ARGUMENT...]"


def library() -> Path:
    """The libfaketime shared library the `libfaketime` package ships for this platform."""
    vendored = Path(libfaketime.__file__).parent / "vendor" / "libfaketime" / "src" / "libfaketime.so.1"
    if not vendored.exists():
        raise SystemExit(f"error: no libfaketime library at {vendored} (pip install libfaketime)")
    return vendored


def environment(days: int) -> dict[str, str]:
    """This process's environment with the clock moved `days` ahead for every process started in it."""
    preload = [str(library()), *filter(None, os.environ.get("LD_PRELOAD", "").split(":"))]
    return {
        **os.environ,
        "LD_PRELOAD": ":".join(preload),
        "FAKETIME": f"+{days}d",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "DONT_FAKE_MONOTONIC": "1",
        "UPTAKE_CLOCK_AHEAD_DAYS": str(days),
    }


def main(arguments: list[str]) -> None:
    if len(arguments) < 3 or arguments[1] != "--" or not arguments[0].lstrip("-").isdigit():
        raise SystemExit(USAGE)
    days, command = int(arguments[0]), arguments[2:]
    if sys.platform != "linux":
        raise SystemExit("error: moving the clock needs Linux (LD_PRELOAD of libfaketime)")
    print(f"clock moved {days} days ahead: {' '.join(command)}", flush=True)
    os.execvpe(command[0], command, environment(days))  # noqa: S606 (the caller's own command, as given)


if __name__ == "__main__":
    main(sys.argv[1:])
