"""The boundary between domains, as far as import-linter cannot say it (its contracts are in ``pyproject.toml``
and ``make check`` runs them): the package-level import graph has no cycle, said here once more with the cycle
spelled out; the contracts' list of domains is the same in each of them; and a service re-exports (``X as X``)
no name it does not define, so that what another domain gets from it is what the service itself decides; a
module over 500 lines says in its first paragraph why it stays whole."""

from __future__ import annotations

import ast
import tomllib
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "uptake"
LONG_MODULE_LINES = 500


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _contract(kind: str) -> dict[str, Any]:
    [contract] = [contract for contract in _contracts() if contract["type"] == kind]
    return contract


def _package_graph(package: str) -> dict[str, set[str]]:
    """Each direct child of ``package`` and the children it imports (any module inside, any import)."""
    graph = grimp.build_graph(package, cache_dir=None)
    depth = package.count(".") + 1

    def child(module: str) -> str | None:
        parts = module.split(".")
        return parts[depth] if len(parts) > depth else None

    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        importer = child(module)
        if importer is None:
            continue
        edges.setdefault(importer, set())
        for imported_module in graph.find_modules_directly_imported_by(module):
            imported = child(imported_module)
            if imported is not None and imported != importer:
                edges[importer].add(imported)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    try:
        TopologicalSorter(edges).prepare()
    except CycleError as error:
        return list(error.args[1])
    return None


def test_no_import_cycle_between_the_packages_of_uptake() -> None:
    assert _cycle(_package_graph("uptake")) is None


def test_a_cycle_is_found_and_spelled_out() -> None:
    cycle = _cycle({"auth": {"directory"}, "directory": {"jobs"}, "jobs": {"auth"}, "db": set()})
    assert cycle is not None
    assert set(cycle) == {"auth", "directory", "jobs"}


def test_the_contracts_name_every_package_and_agree_on_the_domains() -> None:
    layers = _contract("layers")
    assert layers["containers"] == ["uptake"]
    assert layers["exhaustive"] is True
    top, domains, core = ({name.strip() for name in layer.split(":")} for layer in layers["layers"])
    independent = {module.removeprefix("uptake.") for module in _contract("independence")["modules"]}
    assert independent == domains
    assert {"app", "cli", "demo"} <= top
    assert {"db", "settings", "errors", "web", "access"} <= core
    # So a domain never imports another's models (nor any module but these three): the row stays in its domain.
    assert {rule.split(" -> ")[1] for rule in _contract("independence")["ignore_imports"]} == {
        "uptake.*.service",
        "uptake.*.service.*",
        "uptake.*.schemas",
        "uptake.*.dependencies",
    }
    acyclic = _contract("acyclic_siblings")
    assert acyclic["ancestors"] == ["uptake"]
    assert acyclic["depth"] == 0


def _reexports(path: Path) -> set[str]:
    """Names a module imports as themselves (``from x import Name as Name``) or lists in ``__all__`` unimported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            names |= {alias.name for alias in node.names if alias.asname == alias.name}
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            defined = {
                child.name
                for child in tree.body
                if isinstance(child, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef)
            }
            names |= {
                element.value for element in ast.walk(node.value) if isinstance(element, ast.Constant)
            } - (defined)
    return names


def test_no_service_reexports_a_name_it_does_not_define() -> None:
    services = [*PACKAGE.glob("*/service.py"), *PACKAGE.glob("*/service/*.py")]
    found = {path.relative_to(PACKAGE).as_posix(): _reexports(path) for path in sorted(services)}
    assert {name: names for name, names in found.items() if names} == {}


def test_a_reexport_is_noticed(tmp_path) -> None:
    service = tmp_path / "service.py"
    service.write_text(
        "from uptake.catalog.models import UseCase as UseCase\n__all__ = ['Job', 'own']\ndef own(): ...\n"
    )
    assert _reexports(service) == {"UseCase", "Job"}


def _first_paragraph(path: Path) -> str:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    return " ".join(docstring.split("\n\n")[0].split())


def test_a_long_module_says_in_its_first_paragraph_why_it_stays_whole() -> None:
    silent = [
        path.relative_to(PACKAGE).as_posix()
        for path in sorted(PACKAGE.rglob("*.py"))
        if len(path.read_text(encoding="utf-8").splitlines()) > LONG_MODULE_LINES
        and "stays whole" not in _first_paragraph(path)
    ]
    assert silent == []
