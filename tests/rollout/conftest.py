from __future__ import annotations

import pytest

from rollout.rollout_builders import Organization, build_organization


@pytest.fixture
def organization(world) -> Organization:
    return build_organization(world)
