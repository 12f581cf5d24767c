"""The risk questionnaire: its YAML document (tiers, questions, rules), checking answers, and proposing a tier.

The shipped questionnaire (``data/risk_questionnaire.yaml``) follows the EU AI Act's tiers: prohibited practices
(Art. 5), high risk (Art. 6 and Annex III), transparency duties (Art. 50), minimal. A workspace may replace it with
its own YAML (its own questions, rules and tiers); ``docs/risk-questionnaire.md`` describes the format. The
proposal is the most severe tier any rule gives, with every matching rule shown as a reason; with no rule
matching, the questionnaire's ``default_tier``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from uptake.errors import FieldError

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]
Answer = bool | str | list[str]


class Tier(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    reference: str = ""


class Option(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    label: str = Field(min_length=1, max_length=300)
    help: str = ""


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Identifier
    text: str = Field(min_length=1, max_length=1000)
    help: str = ""
    type: Literal["yes_no", "one_of", "any_of"] = "yes_no"
    options: tuple[Option, ...] = ()

    @model_validator(mode="after")
    def _options_fit_type(self) -> Question:
        if self.type == "yes_no" and self.options:
            raise ValueError(f"question {self.id!r}: a yes_no question has no options")
        if self.type != "yes_no" and not self.options:
            raise ValueError(f"question {self.id!r}: a {self.type} question needs options")
        ids = [option.id for option in self.options]
        if len(ids) != len(set(ids)):
            raise ValueError(f"question {self.id!r}: option ids must be distinct")
        return self


class Condition(BaseModel):
    """``question`` answered ``is`` (yes_no: true/false; one_of: an option), or ``includes`` one of the options
    (any_of: any of the listed options was chosen)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    question: Identifier
    is_: bool | str | None = Field(default=None, alias="is")
    includes: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        if (self.is_ is None) == (self.includes is None):
            raise ValueError(f"a condition on {self.question!r} needs exactly one of 'is' or 'includes'")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    when: tuple[Condition, ...] = Field(min_length=1)
    tier: Identifier
    reason: str = Field(min_length=1, max_length=1000)
    reference: str = ""


class Questionnaire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = 1
    title: str = "Risk questionnaire"
    tiers: tuple[Tier, ...] = Field(min_length=1)
    default_tier: Identifier
    questions: tuple[Question, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _references_resolve(self) -> Questionnaire:
        tier_ids = [tier.id for tier in self.tiers]
        if len(tier_ids) != len(set(tier_ids)):
            raise ValueError("tier ids must be distinct")
        if self.default_tier not in tier_ids:
            raise ValueError(f"default_tier {self.default_tier!r} is not one of the tiers")
        questions = {question.id: question for question in self.questions}
        if len(questions) != len(self.questions):
            raise ValueError("question ids must be distinct")
        for index, rule in enumerate(self.rules):
            if rule.tier not in tier_ids:
                raise ValueError(f"rules[{index}]: tier {rule.tier!r} is not one of the tiers")
            for condition in rule.when:
                question = questions.get(condition.question)
                if question is None:
                    raise ValueError(f"rules[{index}]: no question has the id {condition.question!r}")
                _check_condition(index, question, condition)
        return self

    def tier(self, tier_id: str) -> Tier | None:
        return next((tier for tier in self.tiers if tier.id == tier_id), None)

    def severity(self, tier_id: str) -> int:
        """0 for the most severe tier (listed first)."""
        for index, tier in enumerate(self.tiers):
            if tier.id == tier_id:
                return index
        return len(self.tiers)


def _check_condition(index: int, question: Question, condition: Condition) -> None:
    option_ids = {option.id for option in question.options}
    if question.type == "yes_no":
        if not isinstance(condition.is_, bool):
            raise ValueError(
                f"rules[{index}]: {question.id!r} is yes/no, so test it with 'is: true' or 'is: false'"
            )
    elif question.type == "one_of":
        if not isinstance(condition.is_, str) or condition.is_ not in option_ids:
            raise ValueError(
                f"rules[{index}]: {question.id!r} takes 'is: <option id>' with one of its options"
            )
    elif condition.includes is None or not set(condition.includes) <= option_ids:
        raise ValueError(f"rules[{index}]: {question.id!r} takes 'includes: [<option ids>]' with its options")


class PolicyDocumentInvalid(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{error.field}: {error.reason}" for error in errors))


def parse_questionnaire(source: str) -> Questionnaire:
    """Read a questionnaire from YAML text; PolicyDocumentInvalid names every problem."""
    try:
        document = yaml.safe_load(source)
    except yaml.YAMLError as error:
        raise PolicyDocumentInvalid([FieldError("source", f"not valid YAML: {error}")]) from None
    if not isinstance(document, dict):
        raise PolicyDocumentInvalid(
            [FieldError("source", "the document must be a mapping with tiers, questions…")]
        )
    try:
        return Questionnaire.model_validate(document)
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


def shipped_questionnaire_source() -> str:
    return resources.files("uptake.governance").joinpath("data/risk_questionnaire.yaml").read_text("utf-8")


@cache
def shipped_questionnaire() -> Questionnaire:
    return parse_questionnaire(shipped_questionnaire_source())


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def check_answers(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, Answer]:
    """Every question answered with the right kind of value; the answers normalized, or FieldErrors."""
    errors: list[FieldError] = []
    known = {question.id for question in questionnaire.questions}
    errors.extend(
        FieldError(f"answers.{key}", "no question has this id") for key in sorted(set(answers) - known)
    )
    clean: dict[str, Answer] = {}
    for question in questionnaire.questions:
        field = f"answers.{question.id}"
        if question.id not in answers:
            errors.append(FieldError(field, "not answered"))
            continue
        value = answers[question.id]
        option_ids = [option.id for option in question.options]
        if question.type == "yes_no":
            if not isinstance(value, bool):
                errors.append(FieldError(field, "answer true or false"))
                continue
            clean[question.id] = value
        elif question.type == "one_of":
            if not isinstance(value, str) or value not in option_ids:
                errors.append(FieldError(field, f"answer one of: {', '.join(option_ids)}"))
                continue
            clean[question.id] = value
        else:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                errors.append(FieldError(field, "answer a list of option ids (empty when none applies)"))
                continue
            unknown = [item for item in value if item not in option_ids]
            if unknown:
                errors.append(FieldError(field, f"unknown options {unknown}; use: {', '.join(option_ids)}"))
                continue
            clean[question.id] = sorted(set(value), key=option_ids.index)
    if errors:
        raise PolicyDocumentInvalid(errors)
    return clean


@dataclass(frozen=True)
class TierReason:
    tier: str
    reason: str
    reference: str


@dataclass(frozen=True)
class TierProposal:
    tier: str
    reasons: list[TierReason]


def _holds(condition: Condition, answers: dict[str, Answer]) -> bool:
    answer = answers.get(condition.question)
    if condition.includes is not None:
        return isinstance(answer, list) and bool(set(condition.includes) & set(answer))
    return answer == condition.is_


def propose_tier(questionnaire: Questionnaire, answers: dict[str, Answer]) -> TierProposal:
    """The most severe tier among the rules whose conditions all hold; every matching rule is a reason."""
    matched = [
        rule for rule in questionnaire.rules if all(_holds(condition, answers) for condition in rule.when)
    ]
    matched.sort(key=lambda rule: questionnaire.severity(rule.tier))
    reasons = [TierReason(rule.tier, rule.reason, rule.reference) for rule in matched]
    if not matched:
        tier = questionnaire.tier(questionnaire.default_tier)
        name = tier.name if tier else questionnaire.default_tier
        return TierProposal(
            questionnaire.default_tier,
            [TierReason(questionnaire.default_tier, f"No answer raises the risk above {name.lower()}.", "")],
        )
    return TierProposal(matched[0].tier, reasons)
