"""``uptake import training DIR``: a folder of Markdown modules (with their images) as the real command runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from enablement.enablement_builders import module_source
from uptake.db import session_scope
from uptake.enablement.service import modules as modules_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def _import(settings, folder: Path, workspace_slug: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("UPTAKE_")}
    env.update(
        {
            "UPTAKE_DATABASE_URL": settings.database_url,
            "UPTAKE_DATA_DIR": str(settings.data_dir),
            "UPTAKE_SECRET_KEY": settings.effective_secret_key,
            "COLUMNS": "200",
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "uptake", "import", "training", str(folder), "--workspace", workspace_slug],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_a_folder_of_modules_is_imported_once_and_a_bad_file_is_named(world, settings, tmp_path) -> None:
    workspace = world.workspace(slug="acme")
    folder = tmp_path / "training"
    (folder / "advanced").mkdir(parents=True)
    (folder / "prompt-basics.md").write_text(
        module_source(lesson="A good prompt:\n\n![the three parts](img/parts.png)\n"), encoding="utf-8"
    )
    (folder / "img").mkdir()
    (folder / "img" / "parts.png").write_bytes(PNG)
    (folder / "advanced" / "privacy.md").write_text(
        module_source("data-privacy", title="Data and privacy", quiz=False), encoding="utf-8"
    )
    (folder / "advanced" / "broken.md").write_text(
        "---\nslug: Broken Slug\n---\n# Lesson\n", encoding="utf-8"
    )
    (folder / "notes.txt").write_text("not a module", encoding="utf-8")

    first = _import(settings, folder, "acme")
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    assert "advanced/broken.md: slug:" in first.stderr
    assert "advanced/broken.md: title: is required" in first.stderr
    with session_scope(world.factory, workspace) as session:
        modules = {module.slug: module for module in modules_service.list_modules(session, workspace)}
        assert set(modules) == {"prompt-basics", "data-privacy"}
        assert modules_service.list_image_names(session, workspace, modules["prompt-basics"]) == [
            "img/parts.png"
        ]

    (folder / "advanced" / "broken.md").unlink()
    second = _import(settings, folder, "acme")
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("unchanged") == 2
