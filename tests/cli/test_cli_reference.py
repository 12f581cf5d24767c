"""docs/cli.md is what ``scripts/cli_reference.py`` makes from the command (``make docs``): a command, option or
help text changed without remaking the page fails here, and the page names every command and option."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
import typer

from uptake.cli import app
from uptake.cli import users as users_commands

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "cli.md"


@pytest.fixture(scope="module")
def cli_reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("cli_reference", ROOT / "scripts" / "cli_reference.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_cli_md_is_what_make_docs_makes(cli_reference) -> None:
    assert PAGE.read_text(encoding="utf-8") == cli_reference.render(), "docs/cli.md is stale: run `make docs`"


def test_the_page_has_a_section_for_every_command_and_names_every_option(cli_reference) -> None:
    page = cli_reference.render()
    root = typer.main.get_command(app)

    def walk(command, path: str) -> None:
        heading = "#" * (path.count(" ") + 1) + f" `{path}`\n"
        assert heading in page, heading
        section = page.split(heading, 1)[1].split("\n#", 1)[0]
        for parameter in command.params:
            for flag in parameter.opts if parameter.param_type_name == "option" else []:
                assert flag in section, f"{path}: {flag}"
        for name, child in getattr(command, "commands", {}).items():
            walk(child, f"{path} {name}")

    for name, command in root.commands.items():
        walk(command, f"uptake {name}")
    assert "| [`uptake import github-copilot`](#uptake-import-github-copilot) | Import GitHub Copilot" in page


def test_a_changed_help_text_changes_the_page(cli_reference, monkeypatch) -> None:
    before = cli_reference.render()
    command = next(info for info in users_commands.app.registered_commands if info.name == "grant")
    monkeypatch.setattr(command, "help", "Give a person a role, said differently.")
    after = cli_reference.render()
    assert after != before
    assert "Give a person a role, said differently." in after
