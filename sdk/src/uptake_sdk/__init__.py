"""uptake's client SDK: track usage and feedback from AI tools, and check entitlements locally.

Its own distribution, `uptake-sdk` (`sdk/` in uptake's repository), needing only httpx: it imports nothing
from the uptake server, so an AI tool installs it without the server's dependencies. The server depends on it
and imports `uptake_sdk.bucketing` and `uptake_sdk.local_evaluation`, so that it answers exactly as the SDK
does. Both are released together under one version number, `__version__` here and in `uptake`.
"""

from uptake_sdk.bucketing import bucket, canonical_person_key, is_in_percentage
from uptake_sdk.client import Client
from uptake_sdk.delivery import DeliveryStats
from uptake_sdk.local_evaluation import Decision, Evaluator, InvalidRolloutState, Reason

__version__ = "0.1.0"

__all__ = [
    "Client",
    "Decision",
    "DeliveryStats",
    "Evaluator",
    "InvalidRolloutState",
    "Reason",
    "__version__",
    "bucket",
    "canonical_person_key",
    "is_in_percentage",
]
