"""Print docs/cli.md, the reference of every ``uptake`` command, made from the command itself.

    .venv/bin/python scripts/cli_reference.py > docs/cli.md      (what ``make docs`` runs)

Each command's section says what its ``--help`` says: the whole help text, the usage line, and every argument and
option with its help and default, read through the same calls as Typer's own ``typer ... utils docs`` (whose
page cuts the summaries short). ``tests/cli/test_cli_reference.py`` fails when docs/cli.md is not what this prints.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import typer

from uptake.cli import app

PROGRAM = "uptake"


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _anchor(path: str) -> str:
    """The anchor GitHub gives the heading `` `path` ``."""
    return re.sub(r"[^a-z0-9 -]", "", path.lower()).replace(" ", "-")


def _walk(command: Any, context: typer.Context, path: str) -> list[tuple[str, Any, typer.Context]]:
    """Every command under ``command``, depth first in the order of the help, with its path and context."""
    found = [(path, command, context)]
    for name in getattr(command, "list_commands", lambda _: [])(context):
        child = command.get_command(context, name)
        if child is None or child.hidden:
            continue
        found.extend(_walk(child, typer.Context(child, info_name=name, parent=context), f"{path} {name}"))
    return found


def _section(path: str, command: Any, context: typer.Context) -> list[str]:
    level = "#" * (path.count(" ") + 1)
    lines = [f"{level} `{path}`", ""]
    for paragraph in (command.help or "").strip().split("\n\n"):
        if paragraph.strip():
            lines += [" ".join(paragraph.split()), ""]
    lines += ["```console", f"$ {path} {' '.join(command.collect_usage_pieces(context))}", "```", ""]
    records: dict[str, list[tuple[str, str]]] = {"argument": [], "option": []}
    for parameter in command.get_params(context):
        record = parameter.get_help_record(context)
        if record is not None and parameter.param_type_name in records and parameter.name != "help":
            records[parameter.param_type_name].append(record)
    for kind, heading in (("argument", "argument"), ("option", "option")):
        if records[kind]:
            lines += [f"| {heading} | meaning |", "| --- | --- |"]
            lines += [f"| `{_cell(name)}` | {_cell(meaning)} |" for name, meaning in records[kind]]
            lines.append("")
    return lines


def render() -> str:
    root = typer.main.get_command(app)
    context = typer.Context(root, info_name=PROGRAM)
    commands = _walk(root, context, PROGRAM)
    lines = [
        f"# The `{PROGRAM}` command",
        "",
        "<!-- Made by `make docs` (scripts/cli_reference.py) from the command's own help: edit that, not this. -->",
        "",
        _first_paragraph(root.help or ""),
        "",
        "Every command also takes `--help`, which prints what its section below says.",
        "",
        "| command | what it does |",
        "| --- | --- |",
    ]
    lines += [
        f"| [`{path}`](#{_anchor(path)}) | {_cell(_first_paragraph(command.help or ''))} |"
        for path, command, _ in commands[1:]
    ]
    lines.append("")
    for path, command, command_context in commands[1:]:
        lines += _section(path, command, command_context)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
