"""Settings come from keywords, the environment and a TOML file; bad ones name the setting and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from uptake.settings import Settings, SettingsError, load_settings, prepare_data_dir

DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def test_defaults_put_both_stores_in_the_data_dir(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.effective_database_url == f"sqlite:///{tmp_path.resolve() / 'uptake.db'}"
    assert settings.effective_events_url == f"duckdb:///{tmp_path.resolve() / 'events.duckdb'}"


def test_toml_file_then_environment_then_keywords(tmp_path, monkeypatch) -> None:
    config = tmp_path / "uptake.toml"
    config.write_text('[uptake]\nport = 9001\nhost = "0.0.0.0"\nlog_level = "debug"\n')
    assert load_settings(config).port == 9001
    monkeypatch.setenv("UPTAKE_PORT", "9002")
    assert load_settings(config).port == 9002
    assert load_settings(config).host == "0.0.0.0"
    assert load_settings(config, port=9003).port == 9003


def test_malformed_toml_names_the_file_and_line(tmp_path) -> None:
    config = tmp_path / "broken.toml"
    config.write_text('port = 80\nhost = "unterminated\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(config)
    assert caught.value.setting == "--config"
    assert "broken.toml is not valid TOML" in str(caught.value)
    assert "line 2" in str(caught.value)


def test_unknown_setting_in_toml_is_named(tmp_path) -> None:
    config = tmp_path / "typo.toml"
    config.write_text("databse_url = 'sqlite://'\n")
    with pytest.raises(SettingsError, match=r"unknown setting.*databse_url"):
        load_settings(config)


def test_invalid_value_names_the_environment_variable(monkeypatch) -> None:
    monkeypatch.setenv("UPTAKE_PORT", "eighty")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert caught.value.setting == "UPTAKE_PORT"


def test_unwritable_data_dir_is_named(tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(SettingsError) as caught:
        prepare_data_dir(Settings(data_dir=blocker / "data"))
    assert caught.value.setting == "UPTAKE_DATA_DIR"
    assert "not a writable folder" in caught.value.problem


def test_secret_key_is_generated_once_and_kept(tmp_path) -> None:
    first = prepare_data_dir(Settings(data_dir=tmp_path))
    second = prepare_data_dir(Settings(data_dir=tmp_path))
    assert first.effective_secret_key == second.effective_secret_key
    assert len(first.effective_secret_key) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_every_setting_is_documented_and_every_documented_setting_exists() -> None:
    documented = set(re.findall(r"^\| `([a-z_]+)` \| `UPTAKE_", DOCS.read_text(), flags=re.MULTILINE))
    assert documented == set(Settings.model_fields)
