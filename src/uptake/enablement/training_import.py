"""``uptake import training DIR``: every Markdown file of a folder (and its subfolders) becomes a module.

Each file is saved on its own savepoint: a file with a mistake is reported (file, field, reason) and left out,
and the others are imported all the same. Images a lesson refers to by a relative path are read from beside the
file and stored with the module. Importing the same folder again changes nothing (see
``modules_service.save_module_source``), so a folder kept in git can be imported on every merge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from uptake.enablement.service import modules as modules_service
from uptake.enablement.training_format import parse_module_source
from uptake.errors import FieldError, UptakeError

MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True)
class ImportedFile:
    path: str
    slug: str | None
    version: str | None
    outcome: str  # created, updated, unchanged, failed
    errors: list[FieldError] = field(default_factory=list)


def training_files(folder: Path) -> list[Path]:
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in MARKDOWN_SUFFIXES and not path.name.startswith(".")
    )


def _images(folder: Path, references: list[str]) -> tuple[dict[str, bytes], list[FieldError]]:
    images: dict[str, bytes] = {}
    errors = []
    for reference in references:
        candidate = (folder / reference).resolve()
        if not candidate.is_relative_to(folder.resolve()) or not candidate.is_file():
            errors.append(FieldError("images", f"{reference}: no such file beside the module"))
            continue
        images[reference] = candidate.read_bytes()
    return images, errors


def import_training_folder(
    session: Session,
    workspace_id: int,
    folder: Path,
    *,
    actor: str,
    on_file_done: Callable[[ImportedFile], None] | None = None,
) -> list[ImportedFile]:
    results = []
    for path in training_files(folder):
        name = str(path.relative_to(folder))
        try:
            source = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            result = ImportedFile(name, None, None, "failed", [FieldError("source", "is not UTF-8 text")])
        else:
            result = _import_one(session, workspace_id, path, name, source, actor=actor)
        results.append(result)
        if on_file_done is not None:
            on_file_done(result)
    return results


def _import_one(
    session: Session, workspace_id: int, path: Path, name: str, source: str, *, actor: str
) -> ImportedFile:
    try:
        draft = parse_module_source(source)
    except UptakeError as error:
        return ImportedFile(name, None, None, "failed", error.errors or [FieldError("source", error.detail)])
    images, missing = _images(path.parent, draft.image_references)
    if missing:
        return ImportedFile(name, draft.slug, draft.version, "failed", missing)
    savepoint = session.begin_nested()
    try:
        saved = modules_service.save_module_source(
            session, workspace_id, source, actor=actor, author_id=None, images=images
        )
    except UptakeError as error:
        savepoint.rollback()
        return ImportedFile(
            name, draft.slug, draft.version, "failed", error.errors or [FieldError("source", error.detail)]
        )
    savepoint.commit()
    return ImportedFile(name, saved.module.slug, saved.module.version, saved.outcome)
