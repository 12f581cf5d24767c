"""A use case's lifecycle, as one explicit transition table.

    draft → in review → approved → piloting → rolling out → generally available
    in review → rejected (→ draft, to rework) · in review → draft (withdrawn, or changes requested)
    live → rejected (its re-review rejected it: back to draft and a full review before it is live again)
    any active status → paused → back to where it was · any status but retired → retired

Each transition names who may make it. ``program_lead``: a program lead moves it directly. ``submission``: it
happens by submitting the use case for review (governance checks the use card is complete and opens a review).
``review``: only a review's outcome makes it (four-eyes approval, rejection, changes requested), so no API call
can reach "approved" without the approvals.
"""

from __future__ import annotations

from dataclasses import dataclass

from uptake.catalog.schemas import LIVE_STATUSES, TransitionActor, UseCaseStatus


@dataclass(frozen=True)
class Transition:
    source: UseCaseStatus
    target: UseCaseStatus
    action: str
    actor: TransitionActor


S = UseCaseStatus
LEAD, SUBMISSION, REVIEW = TransitionActor.program_lead, TransitionActor.submission, TransitionActor.review

# Statuses a use case can be paused from, and returns to when resumed.
PAUSABLE_STATUSES = frozenset({S.draft, S.in_review, *LIVE_STATUSES})

TRANSITIONS: tuple[Transition, ...] = (
    Transition(S.draft, S.in_review, "submit", SUBMISSION),
    Transition(S.in_review, S.approved, "approve", REVIEW),
    Transition(S.in_review, S.rejected, "reject", REVIEW),
    Transition(S.in_review, S.draft, "request_changes", REVIEW),
    Transition(S.in_review, S.draft, "withdraw", LEAD),
    Transition(S.rejected, S.draft, "reopen", LEAD),
    Transition(S.approved, S.piloting, "start_pilot", LEAD),
    Transition(S.approved, S.rolling_out, "start_rollout", LEAD),
    Transition(S.approved, S.generally_available, "make_generally_available", LEAD),
    Transition(S.piloting, S.rolling_out, "start_rollout", LEAD),
    Transition(S.piloting, S.generally_available, "make_generally_available", LEAD),
    Transition(S.rolling_out, S.generally_available, "make_generally_available", LEAD),
    *(Transition(source, S.paused, "pause", LEAD) for source in sorted(PAUSABLE_STATUSES)),
    # A rejected re-review ends a live use case's approval. Not a pause: a program lead resumes a pause, and no
    # program lead may undo a review's rejection.
    *(Transition(source, S.rejected, "reject_on_re_review", REVIEW) for source in sorted(LIVE_STATUSES)),
    # Resuming returns to the status the use case was paused from (and only to that one).
    *(Transition(S.paused, target, "resume", LEAD) for target in sorted(PAUSABLE_STATUSES)),
    *(Transition(source, S.retired, "retire", LEAD) for source in S if source != S.retired),
)


def transitions_from(source: UseCaseStatus, *, paused_from: UseCaseStatus | None = None) -> list[Transition]:
    """Every transition a use case in ``source`` may make (a paused one resumes only to where it was)."""
    found = []
    for transition in TRANSITIONS:
        if transition.source != source:
            continue
        if source == S.paused and transition.action == "resume" and transition.target != paused_from:
            continue
        found.append(transition)
    return found


def find_transition(
    source: UseCaseStatus,
    target: UseCaseStatus,
    actor: TransitionActor,
    *,
    paused_from: UseCaseStatus | None = None,
    action: str | None = None,
) -> Transition | None:
    for transition in transitions_from(source, paused_from=paused_from):
        if transition.target != target or transition.actor != actor:
            continue
        if action is not None and transition.action != action:
            continue
        return transition
    return None


def describe_allowed(source: UseCaseStatus, *, paused_from: UseCaseStatus | None = None) -> str:
    """``in_review (submit, by submission), retired (retire, by program_lead)`` — for error messages."""
    parts = [
        f"{transition.target.value} ({transition.action}, by {transition.actor.value})"
        for transition in transitions_from(source, paused_from=paused_from)
    ]
    return ", ".join(parts) if parts else "nothing (this status is final)"
