"""Every setting uptake reads, from the environment (``UPTAKE_*``) and an optional TOML file.

Nothing here runs at import: each command (``uptake.cli``) calls :func:`load_settings` once and passes the result
on; tests build ``Settings(...)`` directly. Priority, highest first: keyword arguments, environment variables, the
TOML file given by ``--config``, the defaults below.
"""

from __future__ import annotations

import contextvars
import os
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

_config_file: contextvars.ContextVar[Path | None] = contextvars.ContextVar("uptake_config_file", default=None)

SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret


class SettingsError(Exception):
    """A setting that cannot be used, with the setting's name and how to fix it (one line, no traceback)."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        self.setting = setting
        self.problem = problem
        self.fix = fix
        super().__init__(f"{setting}: {problem} — {fix}")


class _TomlFileSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by ``--config``; keys are the setting names without the prefix."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        path = _config_file.get()
        self._values = read_config_file(path) if path is not None else {}

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


def read_config_file(path: Path) -> dict[str, Any]:
    """Read and check a TOML settings file; unknown keys and bad syntax are named."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SettingsError(
            "--config", f"cannot read {path} ({error.strerror})", "give the path of a readable TOML file"
        ) from None
    try:
        values = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingsError(
            "--config", f"{path} is not valid TOML ({error})", "fix the syntax at that line"
        ) from None
    section = values.get("uptake", values)
    if not isinstance(section, dict):
        raise SettingsError(
            "--config", f"{path}: [uptake] must be a table", "write the settings under an [uptake] table"
        )
    known = set(Settings.model_fields)
    unknown = sorted(set(section) - known)
    if unknown:
        raise SettingsError(
            "--config",
            f"{path} has unknown setting(s) {', '.join(unknown)}",
            f"use only: {', '.join(sorted(known))}",
        )
    return dict(section)


class Settings(BaseSettings):
    """uptake's settings. Each field is documented in docs/settings.md (a test keeps the two in step)."""

    model_config = SettingsConfigDict(env_prefix="UPTAKE_", extra="forbid", validate_default=True)

    data_dir: Path = Field(
        default=Path("uptake-data"), description="Folder for the SQLite file, DuckDB file and secret key."
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the application database; default: SQLite file in the data dir.",
    )
    events_url: str | None = Field(
        default=None, description="URL of the events store; default: duckdb:///<data dir>/events.duckdb."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs sessions and keys pseudonyms; generated into the data dir on first run if unset.",
    )
    host: str = Field(default="127.0.0.1", description="Address the server listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info", description="Log level.")
    log_format: Literal["json", "console"] = Field(
        default="json", description="Structured JSON logs, or console."
    )
    run_worker: bool = Field(
        default=True, description="Run the background job runner inside the server process."
    )
    base_url: str | None = Field(
        default=None, description="Public URL of this server (for links in emails and OIDC redirects)."
    )
    session_idle_minutes: int = Field(
        default=60, ge=5, description="A login session ends after this much inactivity."
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, description="A login session ends this long after login."
    )
    secure_cookies: bool | None = Field(
        default=None, description="Mark cookies Secure; unset: on when base_url is https."
    )
    smtp_host: str | None = Field(
        default=None, description="SMTP server for notification email; none: email is not sent (in-app only)."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls", description="STARTTLS on a plain connection, TLS from the start, or none."
    )
    smtp_username: str | None = Field(default=None, description="SMTP login name, when the server wants one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_from: str = Field(
        default="uptake <uptake@localhost>", description="The From address of notification email."
    )
    smtp_timeout_seconds: float = Field(
        default=30.0, gt=0, le=600, description="Give up on an SMTP or webhook call after this long."
    )
    notification_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Tries per notification before it is dead-lettered."
    )
    notification_lease_seconds: int = Field(
        default=120, ge=2, le=86_400, description="How long a worker holds a notification it is sending."
    )
    question_flag_days: int = Field(
        default=5, ge=1, le=365, description="Questions unanswered for this many days are flagged."
    )
    otlp_use_case_attribute: str = Field(
        default="uptake.use_case",
        min_length=1,
        description="Span or resource attribute naming an OpenTelemetry span's use case (its slug).",
    )
    otlp_person_attribute: str = Field(
        default="enduser.id",
        min_length=1,
        description="Span or resource attribute naming the person behind an OpenTelemetry span.",
    )
    otlp_tool_attribute: str = Field(
        default="uptake.tool",
        min_length=1,
        description="Span or resource attribute naming an OpenTelemetry span's tool (its slug).",
    )
    events_max_batch: int = Field(
        default=10_000, ge=1, le=10_000, description="Most events one POST /api/v1/events may carry."
    )
    events_max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        le=256 * 1024 * 1024,
        description="Largest ingest body in bytes, as sent and once gunzipped.",
    )

    development_mode: bool = Field(
        default=False,
        description="Development: accept OpenID providers over plain http on this machine (loopback).",
    )
    sso_missing_email_verified: Literal["accept", "refuse"] = Field(
        default="accept",
        description="An SSO login whose ID token has no email_verified claim: accept it, or refuse it.",
    )
    webhook_allow_internal: bool = Field(
        default=False,
        description="Allow webhook URLs to loopback, link-local and private addresses (refused by default).",
    )
    metrics_public: bool = Field(
        default=False,
        description="Serve /metrics to anyone; unset, only to a key with metrics:read (or admins).",
    )
    widget_posts_per_address: int = Field(
        default=20,
        ge=1,
        le=100_000,
        description="Feedback widget posts accepted from one client address per 10 minutes (then 429).",
    )
    widget_posts_per_key: int = Field(
        default=600,
        ge=1,
        le=1_000_000,
        description="Feedback widget posts accepted for one widget key per 10 minutes (then 429).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _TomlFileSource(settings_cls))

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'uptake.db').resolve()}"

    @property
    def effective_events_url(self) -> str:
        return self.events_url or f"duckdb:///{(self.data_dir / 'events.duckdb').resolve()}"

    @property
    def effective_secure_cookies(self) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        return (self.base_url or "").lower().startswith("https://")

    @property
    def effective_secret_key(self) -> str:
        if self.secret_key is None:
            raise SettingsError(
                "UPTAKE_SECRET_KEY", "no secret key loaded", "call prepare_data_dir(settings) first"
            )
        return self.secret_key.get_secret_value()


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from keyword overrides, the environment and ``config``; errors become SettingsError."""
    token = _config_file.set(config)
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = str(first["loc"][0]) if first["loc"] else "settings"
        raise SettingsError(
            f"UPTAKE_{name.upper()}", str(first["msg"]).lower(), f"correct the value of {name}"
        ) from None
    finally:
        _config_file.reset(token)


def prepare_data_dir(settings: Settings) -> Settings:
    """Create the data dir if needed, check it is writable, and load or create the secret key.

    Returns settings that carry the secret key. Raises SettingsError with the fix when the folder is unusable.
    """
    data_dir = settings.data_dir
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-check"
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as error:
        raise SettingsError(
            "UPTAKE_DATA_DIR",
            f"{data_dir} is not a writable folder ({error.strerror})",
            "set UPTAKE_DATA_DIR to a folder you can write, or fix its permissions",
        ) from None
    if settings.secret_key is not None:
        return settings
    key_file = data_dir / SECRET_KEY_FILE
    if not key_file.exists():
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise SettingsError(
            "UPTAKE_SECRET_KEY",
            f"{key_file} holds a key shorter than 32 characters",
            "delete the file to make a new one",
        )
    return settings.model_copy(update={"secret_key": SecretStr(key)})


def masked(url: str) -> str:
    """A URL with its password replaced by ***, for printing."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
