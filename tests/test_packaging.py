"""The two distributions of this repository, the server `uptake` (`pyproject.toml`) and the client SDK
`uptake-sdk` (`sdk/pyproject.toml`), are released together under one version number: each takes its version
from its package's `__version__`, the two are equal, and the server pins the SDK at exactly that version.
The SDK depends on httpx alone (`scripts/sdk_alone.py` installs its wheel in a fresh venv to prove it).

The files are read as setuptools reads them (TOML, and `__version__` as a literal), never imported, so an
installed copy of either package cannot stand in for this checkout's.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "pyproject.toml"
SDK = ROOT / "sdk" / "pyproject.toml"


def _project(pyproject: Path) -> dict[str, Any]:
    return tomllib.loads(pyproject.read_text(encoding="utf-8"))


def _version_literal(package_init: Path) -> str:
    """`__version__ = "..."` in a package's `__init__.py`, found as setuptools' `attr:` finds it."""
    for node in ast.parse(package_init.read_text(encoding="utf-8")).body:
        if (
            isinstance(node, ast.Assign)
            and [getattr(target, "id", None) for target in node.targets] == ["__version__"]
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    raise AssertionError(f"{package_init} assigns no literal __version__")


def _declared_version(pyproject: Path) -> str:
    """The version a distribution builds with: dynamic, from the `attr` its setuptools table names."""
    document = _project(pyproject)
    assert "version" not in document["project"], f"{pyproject} states a version of its own"
    assert "version" in document["project"]["dynamic"]
    module, attribute = document["tool"]["setuptools"]["dynamic"]["version"]["attr"].rsplit(".", 1)
    assert attribute == "__version__"
    source = pyproject.parent / document["tool"]["setuptools"]["packages"]["find"]["where"][0]
    return _version_literal(source / module.replace(".", "/") / "__init__.py")


def _requirement_name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name is not None, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def test_the_server_and_the_sdk_share_one_version_and_the_server_pins_it() -> None:
    server_version = _declared_version(SERVER)
    assert _declared_version(SDK) == server_version
    pins = [
        requirement
        for requirement in _project(SERVER)["project"]["dependencies"]
        if _requirement_name(requirement) == "uptake-sdk"
    ]
    assert pins == [f"uptake-sdk=={server_version}"]


def test_the_sdk_depends_on_httpx_alone() -> None:
    project = _project(SDK)["project"]
    assert project["name"] == "uptake-sdk"
    assert [_requirement_name(requirement) for requirement in project["dependencies"]] == ["httpx"]


def test_a_version_stated_twice_is_noticed(tmp_path: Path) -> None:
    package = tmp_path / "src" / "example"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""Example."""\n\n__version__ = "1.2.3"\n')
    pyproject = tmp_path / "pyproject.toml"
    dynamic = '\n[tool.setuptools.dynamic]\nversion = { attr = "example.__version__" }\n'
    found = '\n[tool.setuptools.packages.find]\nwhere = ["src"]\n'
    pyproject.write_text('[project]\nname = "example"\ndynamic = ["version"]\n' + dynamic + found)
    assert _declared_version(pyproject) == "1.2.3"
    pyproject.write_text('[project]\nname = "example"\nversion = "1.2.4"\ndynamic = []\n' + dynamic + found)
    with pytest.raises(AssertionError, match="states a version of its own"):
        _declared_version(pyproject)
