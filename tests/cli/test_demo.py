"""``uptake demo``: a demo organization made fresh in its own data dir, its logins printed; a folder it did not
make is never deleted."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from uptake.cli import app
from uptake.demo.organization import DEMO_PASSWORD
from uptake.demo.service import DEMO_MARKER

# The demo builds its own stores in --data-dir; none of the UPTAKE_* variables of this shell may point it elsewhere.
NO_SETTINGS = {key: None for key in os.environ if key.startswith("UPTAKE_")}


def demo(*args: str):
    return CliRunner().invoke(app, ["demo", "--no-serve", *args], env={**NO_SETTINGS, "COLUMNS": "200"})


def test_a_folder_the_demo_did_not_make_is_left_alone(tmp_path) -> None:
    folder = tmp_path / "my-data"
    folder.mkdir()
    (folder / "precious.txt").write_text("keep me")
    result = demo("--data-dir", str(folder))
    assert result.exit_code != 0
    assert str(result.exception) == (
        f"{folder} exists and was not made by 'uptake demo' — choose another --data-dir or remove it yourself"
    )
    assert (folder / "precious.txt").read_text() == "keep me"


def test_too_few_people_is_refused_before_anything_is_made(tmp_path) -> None:
    result = demo("--data-dir", str(tmp_path / "demo"), "--people", "10")
    assert result.exit_code == 2
    assert "--people" in result.output
    assert not (tmp_path / "demo").exists()


@pytest.mark.slow
def test_a_previous_demo_is_remade_with_its_logins_printed(tmp_path) -> None:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / DEMO_MARKER).write_text("made by uptake demo\n")
    (folder / "left-over.txt").write_text("from the previous demo")

    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=True):
        result = demo("--data-dir", str(folder), "--people", "50")

    assert result.exit_code == 0, result.output
    assert not (folder / "left-over.txt").exists()
    assert (folder / DEMO_MARKER).exists()
    assert "Demo logins" in result.output
    assert "admin@northwind.example" in result.output
    assert DEMO_PASSWORD in result.output
    assert "in workspace 'northwind'." in result.output
    engine = create_engine(f"sqlite:///{folder / 'uptake.db'}")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT slug FROM workspace")) == "northwind"
    engine.dispose()
    assert (folder / "events.duckdb").stat().st_size > 0
