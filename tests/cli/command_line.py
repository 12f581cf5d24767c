"""Running the ``uptake`` command as a user does: a process of its own, through ``main``, so an expected failure
shows as the one line on stderr and the exit status ``main`` gives it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from uptake.settings import Settings


def command_environment(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without its UPTAKE_* variables, ``env`` instead, and a wide terminal."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
    environment.update(env or {})
    environment["COLUMNS"] = "200"
    return environment


def uptake(
    *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m uptake ARGS`` in ``command_environment(env)``, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "uptake", *args],
        capture_output=True,
        text=True,
        env=command_environment(env),
        cwd=cwd,
        timeout=120,
        check=False,
    )


def environment_of(settings: Settings) -> dict[str, str]:
    """The UPTAKE_* variables that point a command at the stores and secret key of ``settings``."""
    return {
        "UPTAKE_DATA_DIR": str(settings.data_dir),
        "UPTAKE_DATABASE_URL": settings.effective_database_url,
        "UPTAKE_EVENTS_URL": settings.effective_events_url,
        "UPTAKE_SECRET_KEY": settings.effective_secret_key,
        "UPTAKE_DEVELOPMENT_MODE": "true" if settings.development_mode else "false",
    }
