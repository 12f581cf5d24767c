"""``run``: the ``uptake`` command in-process (Typer's runner) against the test's stores, for the commands whose
tests need no process of their own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pytest
from typer.testing import CliRunner

from cli.command_line import environment_of
from uptake.cli import app


@dataclass
class Outcome:
    exit_code: int
    output: str


Run = Callable[..., Outcome]


@pytest.fixture
def run(settings) -> Run:
    """``run(*args, input=None, env=None)``: the command's exit code and output; ``env`` adds or replaces
    variables. An expected failure ends the output with the ``error: ...`` line ``main`` would print."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: Mapping[str, str] | None = None) -> Outcome:
        environment = {**environment_of(settings), "COLUMNS": "200", **(env or {})}
        result = runner.invoke(app, list(args), env=environment, input=input)
        failure = result.exception if not isinstance(result.exception, SystemExit) else None
        # main() prints an expected failure as one line; in-process, the exception carries that line.
        detail = "; ".join(f"{item.field}: {item.reason}" for item in getattr(failure, "errors", [])) or str(
            failure or ""
        )
        return Outcome(result.exit_code, result.output + (f"error: {detail}" if failure else ""))

    return invoke
