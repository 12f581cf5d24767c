"""The layout's rules (STYLE.md): a domain reaches another only through its ``service`` (and the ``schemas``
that service takes and returns); everyone may use the core. import-linter (``make test``) checks that nothing
imports ``app``/``cli`` and that the client SDK (``uptake_sdk``, its own distribution) imports nothing of uptake;
this test checks the domain rule, which needs the file's own domain to judge."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "uptake"
CORE = {"access", "db", "settings", "errors", "params", "observability", "web", "health", "stores"}
CORE_MODULES: set[str] = set()
PUBLIC_DOORS = {"service", "schemas"}
# Modules whose job is to see every domain: the model list for Alembic, the app and the command line (a package).
WHOLE_VIEW = {"migrations/models.py", "migrations/env.py"}
WHOLE_VIEW_PACKAGES = {"app", "cli"}


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("uptake."):
            for alias in node.names:
                found.append((node.lineno, f"{node.module}.{alias.name}"))
        elif isinstance(node, ast.Import):
            found.extend(
                (node.lineno, alias.name) for alias in node.names if alias.name.startswith("uptake.")
            )
    return found


def _violations() -> list[str]:
    problems: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        own_domain = relative.split("/")[0]
        if relative in WHOLE_VIEW or own_domain in WHOLE_VIEW_PACKAGES or "/" not in relative:
            continue
        if relative.startswith("migrations/versions/"):
            continue
        if own_domain in CORE:
            continue
        for line, module in _imported_modules(path):
            parts = module.split(".")[1:]
            domain = parts[0]
            if domain == own_domain or domain in CORE:
                continue
            if ".".join(parts[:2]) in CORE_MODULES:
                continue
            if len(parts) >= 2 and parts[1] in PUBLIC_DOORS:
                continue
            problems.append(f"{relative}:{line} imports {module}")
    return problems


def test_domains_meet_only_through_services() -> None:
    assert _violations() == []


def test_the_rule_notices_a_breach(tmp_path, monkeypatch) -> None:
    package = tmp_path / "uptake"
    (package / "catalog").mkdir(parents=True)
    (package / "catalog" / "service.py").write_text("from uptake.directory.models import Person\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", package)
    assert _violations() == ["catalog/service.py:1 imports uptake.directory.models.Person"]
