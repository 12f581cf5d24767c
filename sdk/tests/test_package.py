"""The installed distribution carries the package's version (`scripts/sdk_alone.py` runs this against the
built wheel, in a venv holding only it and the test tools)."""

from importlib import metadata

import uptake_sdk


def test_the_installed_distribution_carries_the_package_version() -> None:
    assert metadata.version("uptake-sdk") == uptake_sdk.__version__, (
        "the installed uptake-sdk is not this checkout's version: reinstall it (pip install -e ./sdk)"
    )
