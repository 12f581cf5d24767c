"""The review policy: the reviewer board's review areas and, per risk tier, which areas must approve and how often
an approved use case is reviewed again; and the four-eyes rule that decides when a review is approved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from uptake.errors import FieldError
from uptake.governance.questionnaire import Identifier, PolicyDocumentInvalid, Questionnaire


class ReviewArea(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1, max_length=100)
    description: str = ""


class TierPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    approvable: bool = True
    required_areas: tuple[Identifier, ...] = ()
    re_review_months: Annotated[int, Field(ge=1, le=120)] | None = None


class ReviewPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    areas: tuple[ReviewArea, ...] = Field(min_length=1)
    tiers: dict[Identifier, TierPolicy]

    @model_validator(mode="after")
    def _areas_resolve(self) -> ReviewPolicy:
        area_ids = [area.id for area in self.areas]
        if len(area_ids) != len(set(area_ids)):
            raise ValueError("area ids must be distinct")
        for tier_id, policy in self.tiers.items():
            unknown = [area for area in policy.required_areas if area not in area_ids]
            if unknown:
                raise ValueError(f"tiers.{tier_id}: unknown areas {unknown}; define them under 'areas'")
            if policy.approvable and not policy.required_areas:
                raise ValueError(f"tiers.{tier_id}: an approvable tier needs at least one required area")
            if len(set(policy.required_areas)) != len(policy.required_areas):
                raise ValueError(f"tiers.{tier_id}: an area is listed twice")
        return self

    def area(self, area_id: str) -> ReviewArea | None:
        return next((area for area in self.areas if area.id == area_id), None)

    def for_tier(self, tier_id: str) -> TierPolicy:
        """The tier's policy; a tier the policy does not name (a questionnaire edited since) is not approvable."""
        return self.tiers.get(tier_id) or TierPolicy(approvable=False)


def parse_review_policy(source: str, questionnaire: Questionnaire | None = None) -> ReviewPolicy:
    """Read a review policy from YAML text; with ``questionnaire``, every one of its tiers must have an entry."""
    try:
        document = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise PolicyDocumentInvalid([FieldError("source", f"not valid YAML: {error}")]) from None
    if not isinstance(document, dict):
        raise PolicyDocumentInvalid(
            [FieldError("source", "the document must be a mapping with areas and tiers")]
        )
    try:
        policy = ReviewPolicy.model_validate(document)
    except ValidationError as error:
        raise PolicyDocumentInvalid(
            [
                FieldError(
                    ".".join(str(part) for part in item["loc"]) or "source",
                    str(item["msg"]).removeprefix("Value error, "),
                )
                for item in error.errors()
            ]
        ) from None
    if questionnaire is not None:
        check_policy_covers_tiers(policy, questionnaire)
    return policy


def check_policy_covers_tiers(policy: ReviewPolicy, questionnaire: Questionnaire) -> None:
    missing = [tier.id for tier in questionnaire.tiers if tier.id not in policy.tiers]
    if missing:
        raise PolicyDocumentInvalid(
            [
                FieldError(f"tiers.{tier_id}", "the risk questionnaire has this tier; say who reviews it")
                for tier_id in missing
            ]
        )


def shipped_review_policy_source() -> str:
    return resources.files("uptake.governance").joinpath("data/review_policy.yaml").read_text("utf-8")


@cache
def shipped_review_policy() -> ReviewPolicy:
    return parse_review_policy(shipped_review_policy_source())


@dataclass(frozen=True)
class RecordedApproval:
    reviewer_id: int
    area: str


@dataclass(frozen=True)
class AreaProgress:
    area: str
    approved_by: int | None


@dataclass(frozen=True)
class ReviewProgress:
    areas: list[AreaProgress]

    @property
    def missing_areas(self) -> list[str]:
        return [progress.area for progress in self.areas if progress.approved_by is None]

    @property
    def is_approved(self) -> bool:
        return bool(self.areas) and not self.missing_areas


def evaluate_approvals(
    required_areas: Sequence[str], approvals: Sequence[RecordedApproval], *, submitter_id: int | None
) -> ReviewProgress:
    """Four-eyes: each required area needs an approval from a person on it, each area from a different person,
    and never from the submitter. Approvals are matched to areas in the order they were recorded."""
    used_people: set[int] = set()
    progress: list[AreaProgress] = []
    for area in required_areas:
        approver = next(
            (
                approval.reviewer_id
                for approval in approvals
                if approval.area == area
                and approval.reviewer_id not in used_people
                and approval.reviewer_id != submitter_id
            ),
            None,
        )
        if approver is not None:
            used_people.add(approver)
        progress.append(AreaProgress(area, approver))
    return ReviewProgress(progress)
