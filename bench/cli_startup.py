"""Benchmark of the ``uptake`` command's start-up, and of what each import the commands make lazily would add.

    .venv/bin/python bench/cli_startup.py              # 15 runs of each
    .venv/bin/python bench/cli_startup.py --runs 40

Every ``uptake`` invocation, ``uptake --help`` included, imports the whole command tree (``uptake.cli``), so
each module the command modules import at their top is paid by every invocation. It times, each in a fresh
interpreter, the minimum and median of the CPU time (user + system: steadier than the wall clock on a busy
machine, and what start-up costs when nothing else runs):

  a  ``python -c pass``: the interpreter's own start, the floor, and Typer's rich help alone
  b  ``uptake --help``, as a user runs it (``python -m uptake --help``)
  c  for each module a command imports inside its function (found in ``src/uptake/cli/*.py``): what importing it
     after ``uptake.cli`` costs, i.e. what ``uptake --help`` would pay were it imported at the top
  d  all of (c) together

Goal: (b) costs at most 0.3 s of CPU more than Typer's help alone (the line under (a)): 0.26 s when measured. A
module of (c) that costs more than about 25 ms stays inside the commands that use it.
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

CLI_PACKAGE = Path(__file__).resolve().parents[1] / "src" / "uptake" / "cli"


def run_times(command: list[str], runs: int) -> list[float]:
    """The CPU seconds each run of ``command`` takes, as a process of its own."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=environment)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return times


def import_cost(modules: list[str], runs: int) -> list[float]:
    """CPU seconds to import ``modules`` in an interpreter that has already imported ``uptake.cli``."""
    statements = "; ".join(f"import {module}" for module in modules)
    program = (
        "import time, uptake.cli; started = time.process_time(); "
        f"{statements}; print(time.process_time() - started)"
    )
    return [
        float(
            subprocess.run([sys.executable, "-c", program], check=True, capture_output=True, text=True).stdout
        )
        for _ in range(runs)
    ]


def lazy_imports() -> list[str]:
    """Every ``uptake`` module (and third-party one) a command imports inside a function, once each."""
    found: set[str] = set()
    for path in sorted(CLI_PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom) and node.module:
                    for alias in node.names:
                        whole = f"{node.module}.{alias.name}"
                        # `from uptake.auth import service` imports a module; `from uptake.db import x`, a name
                        is_module = (Path("src") / Path(*whole.split("."))).with_suffix(".py").exists()
                        found.add(whole if is_module else node.module)
                elif isinstance(node, ast.Import):
                    found.update(alias.name for alias in node.names)
    return sorted(found)


def show(label: str, times: list[float]) -> None:
    print(f"{label:<58} min {min(times):6.3f} s   median {statistics.median(times):6.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    os.chdir(CLI_PACKAGE.parents[2])

    show("a  python -c pass", run_times([sys.executable, "-c", "pass"], runs))
    typer_alone = [sys.executable, "-c", "import typer.rich_utils"]
    show("   python -c 'import typer.rich_utils'", run_times(typer_alone, runs))
    show("b  uptake --help", run_times([sys.executable, "-m", "uptake", "--help"], runs))
    modules = lazy_imports()
    costs = {module: import_cost([module], max(3, runs // 3)) for module in modules}
    for module, times in sorted(costs.items(), key=lambda item: min(item[1])):
        show(f"c  + {module}", times)
    show(f"d  + all {len(modules)} of them", import_cost(modules, max(3, runs // 3)))


if __name__ == "__main__":
    main()
