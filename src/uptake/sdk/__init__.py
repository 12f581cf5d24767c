"""uptake's client SDK: track usage and feedback from AI tools, and check entitlements locally.

This package imports nothing from the rest of uptake, so it can be vendored or used on its own; the server
imports `uptake.sdk.bucketing` and `uptake.sdk.local_evaluation` so that it answers exactly as the SDK does.
"""

from uptake.sdk.bucketing import bucket, canonical_person_key, is_in_percentage
from uptake.sdk.client import Client
from uptake.sdk.delivery import DeliveryStats
from uptake.sdk.local_evaluation import Decision, Evaluator, InvalidRolloutState, Reason

__all__ = [
    "Client",
    "Decision",
    "DeliveryStats",
    "Evaluator",
    "InvalidRolloutState",
    "Reason",
    "bucket",
    "canonical_person_key",
    "is_in_percentage",
]
