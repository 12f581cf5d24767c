"""The client SDK on its own: build both wheels, install the SDK's alone in a fresh venv, run its tests there.

Part of `make test` (and so of CI). Each step fails with a message and exit status 1:

1. Both wheels build (`pip wheel --no-deps`, from a clean copy of the sources so no stale `build/` folder
   slips into them) under one version; the SDK's wheel holds only `uptake_sdk` and requires httpx alone; the
   server's holds no `uptake_sdk` and requires `uptake-sdk==<that version>`.
2. A fresh venv gets the SDK's wheel alone: `pip list` then holds none of the server's dependencies (the
   names in pyproject.toml's `[project] dependencies`, besides httpx) and not `uptake`.
3. The test tools of `uptake-sdk[test]` join it (still no server dependency), and `sdk/tests` run there,
   importing the installed wheel, not the checkout.

Usage: `python scripts/sdk_alone.py [pytest arguments]`. Needs the package index for httpx and the test tools.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import venv
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDK_NAME = "uptake-sdk"
SDK_PACKAGE = "uptake_sdk"
# What building each distribution reads; everything else in the checkout stays out of the build.
SOURCES = ["pyproject.toml", "README.md", "src", "sdk/pyproject.toml", "sdk/README.md", "sdk/src"]


class Failure(Exception):
    """A step failed; the message says which and why."""


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    if match is None:
        raise Failure(f"cannot read the requirement {requirement!r}")
    return normalized(match.group())


def isolated_environment() -> dict[str, str]:
    """This environment without what would let the checkout or the running venv leak into the fresh one."""
    return {
        name: value
        for name, value in os.environ.items()
        if name not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }


def run(command: list[str], what: str, cwd: Path) -> str:
    print(f"$ {' '.join(command)}", flush=True)
    done = subprocess.run(command, cwd=cwd, env=isolated_environment(), capture_output=True, text=True)  # noqa: S603
    if done.returncode != 0:
        raise Failure(f"{what} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    return done.stdout


def copy_sources(target: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")
    for relative in SOURCES:
        source, destination = ROOT / relative, target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, destination, ignore=ignore)
        else:
            shutil.copy2(source, destination)


def wheel_metadata(wheel: Path) -> tuple[set[str], str, list[str]]:
    """The wheel's top-level entries, its version and its unconditional requirements."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata_name = next(name for name in names if name.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(metadata_name).decode())
    top_level = {name.split("/")[0] for name in names}
    requirements = [line for line in metadata.get_all("Requires-Dist") or [] if "extra ==" not in line]
    return top_level, str(metadata["Version"]), requirements


def build_wheels(work: Path) -> tuple[Path, str]:
    """The SDK's wheel and the version both wheels carry, once both are checked."""
    sources, wheels = work / "sources", work / "wheels"
    copy_sources(sources)
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(wheels),
            "./sdk",
            ".",
        ],
        "building the wheels",
        cwd=sources,
    )
    sdk_wheel = next(wheels.glob(f"{SDK_PACKAGE}-*.whl"))
    server_wheel = next(wheels.glob("uptake-*.whl"))
    sdk_top, sdk_version, sdk_requirements = wheel_metadata(sdk_wheel)
    server_top, server_version, server_requirements = wheel_metadata(server_wheel)
    if sdk_version != server_version:
        raise Failure(f"the SDK's wheel is version {sdk_version}, the server's {server_version}")
    if sdk_top != {SDK_PACKAGE, f"{SDK_PACKAGE}-{sdk_version}.dist-info"}:
        raise Failure(f"the SDK's wheel holds more than {SDK_PACKAGE}: {sorted(sdk_top)}")
    if [requirement_name(line) for line in sdk_requirements] != ["httpx"]:
        raise Failure(f"the SDK's wheel requires more than httpx: {sdk_requirements}")
    if SDK_PACKAGE in server_top:
        raise Failure(f"the server's wheel holds a copy of {SDK_PACKAGE}")
    if f"{SDK_NAME}=={server_version}" not in [line.replace(" ", "") for line in server_requirements]:
        raise Failure(
            f"the server's wheel does not require {SDK_NAME}=={server_version}: {server_requirements}"
        )
    for wheel in (sdk_wheel, server_wheel):
        print(f"built {wheel.name} ({wheel.stat().st_size / 1024:.0f} KiB)")
    return sdk_wheel, sdk_version


def installed(python: Path, work: Path) -> set[str]:
    listing = run([str(python), "-m", "pip", "list", "--format=json"], "listing the venv", cwd=work)
    return {normalized(entry["name"]) for entry in json.loads(listing)}


def check_no_server_dependency(
    python: Path, work: Path, server_dependencies: set[str], when: str
) -> set[str]:
    present = installed(python, work)
    leaked = sorted(present & server_dependencies)
    if leaked:
        raise Failure(f"{when}, the venv holds the server's dependencies {leaked}")
    return present


def main(pytest_arguments: list[str]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    direct = {requirement_name(line) for line in project["dependencies"]}
    server_dependencies = (direct - {"httpx", SDK_NAME}) | {"uptake"}
    with tempfile.TemporaryDirectory(prefix="uptake-sdk-alone-") as temporary:
        work = Path(temporary)
        sdk_wheel, version = build_wheels(work)

        environment = work / "venv"
        print(f"creating a fresh venv at {environment}", flush=True)
        venv.EnvBuilder(with_pip=True).create(environment)
        python = environment / "bin" / "python"
        pip_install = [str(python), "-m", "pip", "install", "--quiet"]

        run([*pip_install, str(sdk_wheel)], "installing the SDK's wheel", cwd=work)
        alone = check_no_server_dependency(python, work, server_dependencies, "with the SDK's wheel alone")
        brought = sorted(alone - {"pip", "setuptools", SDK_NAME})
        print(
            f"the SDK's wheel brings {len(brought)} distributions ({', '.join(brought)}); "
            f"of the server's {len(direct - {SDK_NAME})} other dependencies, only httpx"
        )

        run([*pip_install, f"{sdk_wheel}[test]"], "installing the SDK's test tools", cwd=work)
        check_no_server_dependency(python, work, server_dependencies, "with the SDK's test tools")
        where = run(
            [
                str(python),
                "-c",
                f"import {SDK_PACKAGE}; print({SDK_PACKAGE}.__file__, {SDK_PACKAGE}.__version__)",
            ],
            "importing the SDK",
            cwd=work,
        ).split()
        if not Path(where[0]).is_relative_to(environment) or where[1] != version:
            raise Failure(
                f"the venv imports {SDK_PACKAGE} {where[1]} from {where[0]}, not the wheel's {version}"
            )
        print(f"running the SDK's tests against {where[0]}", flush=True)
        tests = subprocess.run(  # noqa: S603 (this script's own command)
            [
                str(python),
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                str(ROOT / "sdk" / "tests"),
                *pytest_arguments,
            ],
            cwd=work,
            env=isolated_environment(),
        )
        if tests.returncode != 0:
            raise Failure(
                f"the SDK's tests failed in the venv holding only its wheel (exit {tests.returncode})"
            )


if __name__ == "__main__":
    try:
        main(sys.argv[1:])
    except Failure as failure:
        print(f"sdk_alone: {failure}", file=sys.stderr)
        sys.exit(1)
