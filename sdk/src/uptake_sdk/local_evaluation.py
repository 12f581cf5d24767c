"""Answer "may this person use this use case now?" in-process, from a published rollout state.

The server publishes a workspace's rollout state at ``GET /api/v1/rollout-state`` (Bearer API key with the
scope ``entitlements:read``; the answer carries an ``ETag`` and honours ``If-None-Match`` with a 304). The
SDK downloads it and evaluates every check locally, so a tool's hot path never waits on the network. The
rollout domain produces the document; this module defines it and is its only interpreter, so the server
can answer its own REST and OFREP checks with the same `Evaluator`.

The rollout state document, version 1 (JSON)::

    {
      "version": 1,
      "generated_at": "2025-05-01T09:30:00+00:00",       # optional, informational
      "use_cases": {
        "<use case slug>": {
          "status": "active",                              # "active"; anything else ("paused",
                                                           # "retired", ...) grants nobody
          "rules": [                                       # in order; the first wave first
            {
              "wave": "pilot",                             # required: the wave's name
              "people": ["<person key>", ...],             # optional, default []
              "teams": ["<team id>", ...],                 # optional, default []; ids as strings or ints
              "roles": ["<role name>", ...],               # optional, default []
              "percentage": 25.0,                          # optional, default null; 0 to 100
              "requires_training": true,                   # optional, default false
              "requires_acknowledgement": false            # optional, default false
            }
          ]
        }
      },
      "people": {                                          # the facts evaluation needs, per person key
        "<person key>": {
          "teams": ["<team id>", ...],                     # every team the person is in, with all their
                                                           # ancestors (listing a department covers its
                                                           # subteams)
          "role": "analyst",                               # or null
          "trained": ["<use case slug>", ...],             # use cases whose required training is complete
          "acknowledged": ["<use case slug>", ...]         # use cases whose use card the person acknowledged
        }
      },
      "aliases": {"<other identifier>": "<person key>"}     # optional: e.g. emails → external ids
    }

Person keys are canonical: stripped and lower-cased (`uptake_sdk.bucketing.canonical_person_key`); the
document's keys, aliases and ``people`` lists must already be in that form. A check canonicalizes the
identifier it is given, follows ``aliases`` once, and looks the result up in ``people``; someone absent
from ``people`` has no teams, no role, and has trained on and acknowledged nothing.

How a use case is decided for a person:

1. Unknown slug → not entitled, reason ``UNKNOWN_USE_CASE``.
2. Status other than ``active`` → not entitled, ``DISABLED`` (a paused rollout or a retired use case).
3. Each rule *matches* the person when
   - the person's key is in ``people`` (named people are never thinned by the percentage), or
   - the person is in the rule's audience and within its percentage. The audience is the members of any
     of ``teams`` (when ``teams`` is not empty) who also hold one of ``roles`` (when ``roles`` is not
     empty). A rule with neither teams nor roles has everyone as its audience, unless it names
     ``people``, in which case its audience is just them. ``percentage`` null takes the whole audience;
     a number ``p`` takes those whose bucket (`uptake_sdk.bucketing.bucket`, for this use case and the
     person key) is at most ``p``.
   Because the bucket depends only on the use case and the person, a wave's percentage draws from the
   people the earlier waves left out ("25 % of the remaining population"), and raising it keeps everyone
   already in.
4. A matching rule grants when its requirements hold: ``requires_training`` needs the slug in the
   person's ``trained``; ``requires_acknowledgement`` needs it in ``acknowledged``.
5. The first matching rule that grants decides: entitled, ``TARGETING_MATCH``, with its wave. If rules
   matched but none granted: not entitled, ``REQUIREMENT_NOT_MET``, with the first matching rule's wave
   and its missing requirements (``training``, ``acknowledgement``). If no rule matched: not entitled,
   ``DEFAULT``.

`Evaluator` builds its indexes once, so a check is a few dictionary and set lookups and at most one hash.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from uptake_sdk.bucketing import bucket, canonical_person_key

STATE_DOCUMENT_VERSION = 1


class Reason(StrEnum):
    """Why a check answered as it did (the names follow OpenFeature's resolution reasons)."""

    TARGETING_MATCH = "TARGETING_MATCH"
    DISABLED = "DISABLED"
    DEFAULT = "DEFAULT"
    UNKNOWN_USE_CASE = "UNKNOWN_USE_CASE"
    REQUIREMENT_NOT_MET = "REQUIREMENT_NOT_MET"
    STATE_UNAVAILABLE = "STATE_UNAVAILABLE"


class Requirement(StrEnum):
    TRAINING = "training"
    ACKNOWLEDGEMENT = "acknowledgement"


@dataclass(frozen=True, slots=True)
class Decision:
    """One check's answer: whether the person is entitled, why, through which wave, and what is missing."""

    entitled: bool
    reason: str
    wave: str | None = None
    missing: tuple[str, ...] = ()


class InvalidRolloutState(ValueError):
    """The rollout state document does not follow the version 1 format."""


@dataclass(frozen=True, slots=True)
class _PersonFacts:
    teams: frozenset[str]
    role: str | None
    trained: frozenset[str]
    acknowledged: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Rule:
    wave: str
    people: frozenset[str]
    teams: frozenset[str]
    roles: frozenset[str]
    has_audience: bool
    percentage: float | None
    requires_training: bool
    requires_acknowledgement: bool
    granted: Decision


@dataclass(frozen=True, slots=True)
class _UseCaseRollout:
    is_active: bool
    rules: tuple[_Rule, ...]


_NOBODY = _PersonFacts(teams=frozenset(), role=None, trained=frozenset(), acknowledged=frozenset())
_UNKNOWN_USE_CASE = Decision(entitled=False, reason=Reason.UNKNOWN_USE_CASE)
_DISABLED = Decision(entitled=False, reason=Reason.DISABLED)
_DEFAULT = Decision(entitled=False, reason=Reason.DEFAULT)
STATE_UNAVAILABLE_DECISION = Decision(entitled=False, reason=Reason.STATE_UNAVAILABLE)


class Evaluator:
    """Evaluates entitlements from one rollout state document (see the module documentation)."""

    __slots__ = ("_aliases", "_people", "_use_cases")

    def __init__(self, state: Mapping[str, Any]) -> None:
        if not isinstance(state, Mapping):
            raise InvalidRolloutState("the rollout state must be a JSON object")
        if state.get("version") != STATE_DOCUMENT_VERSION:
            raise InvalidRolloutState(f"unsupported rollout state version {state.get('version')!r}")
        self._use_cases = {
            str(slug): _read_use_case(str(slug), entry)
            for slug, entry in _mapping(state, "use_cases").items()
        }
        self._people = {
            str(key): _read_person(str(key), facts) for key, facts in _mapping(state, "people").items()
        }
        self._aliases = {str(alias): str(key) for alias, key in _mapping(state, "aliases").items()}

    def check(self, person_key: str, use_case: str) -> Decision:
        """Decide whether the person may use the use case now."""
        rollout = self._use_cases.get(use_case)
        if rollout is None:
            return _UNKNOWN_USE_CASE
        if not rollout.is_active:
            return _DISABLED
        key = canonical_person_key(person_key)
        key = self._aliases.get(key, key)
        person = self._people.get(key, _NOBODY)
        person_bucket = 0
        first_unmet: Decision | None = None
        for rule in rollout.rules:
            if key not in rule.people:
                if not rule.has_audience:
                    continue
                if rule.teams and rule.teams.isdisjoint(person.teams):
                    continue
                if rule.roles and person.role not in rule.roles:
                    continue
                if rule.percentage is not None:
                    if not person_bucket:
                        person_bucket = bucket(use_case, key)
                    if person_bucket > rule.percentage:
                        continue
            needs_training = rule.requires_training and use_case not in person.trained
            needs_acknowledgement = rule.requires_acknowledgement and use_case not in person.acknowledged
            if not needs_training and not needs_acknowledgement:
                return rule.granted
            if first_unmet is None:
                missing: list[str] = []
                if needs_training:
                    missing.append(Requirement.TRAINING)
                if needs_acknowledgement:
                    missing.append(Requirement.ACKNOWLEDGEMENT)
                first_unmet = Decision(False, Reason.REQUIREMENT_NOT_MET, rule.wave, tuple(missing))
        return first_unmet if first_unmet is not None else _DEFAULT

    def is_entitled(self, person_key: str, use_case: str) -> bool:
        return self.check(person_key, use_case).entitled

    def use_case_slugs(self) -> list[str]:
        """The use cases the state knows, in document order."""
        return list(self._use_cases)


def _mapping(document: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = document.get(field)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidRolloutState(f"{field} must be an object")
    return value


def _strings(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        raise InvalidRolloutState(f"{where} must be a list")
    return frozenset(str(item) for item in value)


def _read_use_case(slug: str, entry: Any) -> _UseCaseRollout:
    if not isinstance(entry, Mapping):
        raise InvalidRolloutState(f"use_cases.{slug} must be an object")
    rules = entry.get("rules")
    if rules is None:
        rules = []
    if not isinstance(rules, list):
        raise InvalidRolloutState(f"use_cases.{slug}.rules must be a list")
    return _UseCaseRollout(
        is_active=entry.get("status") == "active",
        rules=tuple(_read_rule(f"use_cases.{slug}.rules[{index}]", rule) for index, rule in enumerate(rules)),
    )


def _read_rule(where: str, rule: Any) -> _Rule:
    if not isinstance(rule, Mapping):
        raise InvalidRolloutState(f"{where} must be an object")
    wave = rule.get("wave")
    if not isinstance(wave, str):
        raise InvalidRolloutState(f"{where}.wave must be a string")
    percentage = rule.get("percentage")
    if percentage is not None and (isinstance(percentage, bool) or not isinstance(percentage, int | float)):
        raise InvalidRolloutState(f"{where}.percentage must be a number or null")
    people = _strings(rule.get("people"), f"{where}.people")
    teams = _strings(rule.get("teams"), f"{where}.teams")
    roles = _strings(rule.get("roles"), f"{where}.roles")
    return _Rule(
        wave=wave,
        people=people,
        teams=teams,
        roles=roles,
        has_audience=bool(teams or roles or not people),
        percentage=None if percentage is None else float(percentage),
        requires_training=bool(rule.get("requires_training", False)),
        requires_acknowledgement=bool(rule.get("requires_acknowledgement", False)),
        granted=Decision(entitled=True, reason=Reason.TARGETING_MATCH, wave=wave),
    )


def _read_person(key: str, facts: Any) -> _PersonFacts:
    if not isinstance(facts, Mapping):
        raise InvalidRolloutState(f"people.{key} must be an object")
    role = facts.get("role")
    return _PersonFacts(
        teams=_strings(facts.get("teams"), f"people.{key}.teams"),
        role=None if role is None else str(role),
        trained=_strings(facts.get("trained"), f"people.{key}.trained"),
        acknowledged=_strings(facts.get("acknowledged"), f"people.{key}.acknowledged"),
    )
