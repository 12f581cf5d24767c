"""The ``uptake`` command line (Typer + Rich). ``root.py`` mounts one sub-app per group, each in the module of its
noun (``users.py`` holds ``uptake users ...``); ``command.py`` holds what every command shares.
``uptake = "uptake.cli:main"`` is the entry point.

Start-up: every invocation, ``uptake --help`` included, imports every module of this package, so they import at
their top only what is cheap: Typer, Rich, the settings, the errors, and schemas or enums that need no database
(``uptake --help`` takes 0.3 s). SQLAlchemy, the domain services and the engines are imported inside the commands
that use them. Measured with ``bench/cli_startup.py`` (figures from a quiet two-core machine), importing at the
top ``uptake.db`` alone would add 0.17 s, ``uptake.auth.sso`` 0.4 s, ``uptake.analytics.service`` 1.3 s,
``uptake.reports.executive`` 3 s, and everything the commands import, several seconds.
"""

from uptake.cli.root import app, main

__all__ = ["app", "main"]
