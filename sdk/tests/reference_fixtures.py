"""Where the shared reference fixtures are (never copied into the project; see ../shared/fixtures/README.md).

The SDK's tests run without the server's test suite (in a venv holding only the SDK's wheel), so they find the
fixtures themselves, the same way the server's `tests/fixtures_path.py` does: `UPTAKE_SHARED_FIXTURES` names the
folder; otherwise the nearest `shared/fixtures` beside a parent folder of this checkout, else
`/work/shared/fixtures`. Where none exists, the tests that read them are skipped, saying why.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _find_shared_fixtures() -> Path:
    named = os.environ.get("UPTAKE_SHARED_FIXTURES")
    if named:
        return Path(named)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "fixtures"
        if candidate.is_dir():
            return candidate
    return Path("/work/shared/fixtures")


SHARED_FIXTURES = _find_shared_fixtures()
MISSING_REASON = (
    f"the shared reference fixtures are not at {SHARED_FIXTURES} "
    "(set UPTAKE_SHARED_FIXTURES to the shared/fixtures folder)"
)


def require_shared_fixtures() -> Path:
    """The fixtures folder; skips the calling test module, loudly, when it is absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip(MISSING_REASON, allow_module_level=True)
    return SHARED_FIXTURES
