"""The one explicit list of every domain's tables; Alembic and the schema tests load models through it."""

from __future__ import annotations

from sqlalchemy import MetaData


def load_all_models() -> MetaData:
    from uptake.audit import models as audit_models
    from uptake.auth import models as auth_models
    from uptake.catalog import models as catalog_models
    from uptake.comms import models as comms_models
    from uptake.connectors import models as connectors_models
    from uptake.db import Base
    from uptake.directory import models as directory_models
    from uptake.discovery import models as discovery_models
    from uptake.enablement import models as enablement_models
    from uptake.governance import models as governance_models
    from uptake.jobs import models as jobs_models
    from uptake.licences import models as licences_models
    from uptake.rollout import models as rollout_models
    from uptake.surveys import models as surveys_models
    from uptake.trust import models as trust_models
    from uptake.workspaces import models as workspaces_models

    assert all((audit_models, auth_models, directory_models, jobs_models, workspaces_models))
    assert all((catalog_models, governance_models))
    assert all((enablement_models, comms_models))
    assert rollout_models
    assert all((trust_models, surveys_models))
    assert licences_models
    assert connectors_models
    assert discovery_models
    return Base.metadata
