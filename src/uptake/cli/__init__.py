"""The ``uptake`` command line (Typer + Rich). ``root.py`` mounts one sub-app per group, each in the module of its
noun (``users.py`` holds ``uptake users ...``); ``command.py`` holds what every command shares.
``uptake = "uptake.cli:main"`` is the entry point.

Start-up: every invocation, ``uptake --help`` included, imports every module of this package, so they import at
their top only what costs little: Typer, Rich, the settings, the errors, uvicorn, and schemas or enums that need
no database. An import that would add more than about 25 ms to the 0.4 s of ``uptake --help`` stays inside the
commands that use it: that is SQLAlchemy and everything above it. Measured with ``bench/cli_startup.py`` (CPU
time, on a busy two-core machine), importing at the top ``uptake.db`` alone would add 0.21 s, ``uptake.auth.sso``
0.42 s, ``uptake.analytics.service`` 1.3 s, ``uptake.reports.executive`` 1.8 s and ``uptake.app`` 4 s.
"""

from uptake.cli.root import app, main

__all__ = ["app", "main"]
