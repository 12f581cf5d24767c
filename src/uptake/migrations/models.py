"""The one explicit list of every domain's tables; Alembic and the schema tests load models through it."""

from __future__ import annotations

from sqlalchemy import MetaData


def load_all_models() -> MetaData:
    from uptake.audit import models as audit_models
    from uptake.auth import models as auth_models
    from uptake.db import Base
    from uptake.directory import models as directory_models
    from uptake.jobs import models as jobs_models
    from uptake.workspaces import models as workspaces_models

    assert all((audit_models, auth_models, directory_models, jobs_models, workspaces_models))
    return Base.metadata
