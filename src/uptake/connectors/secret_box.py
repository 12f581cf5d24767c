"""Connector secrets at rest: Fernet (AES-128-CBC with HMAC-SHA256, `cryptography`) under a key derived from
the installation's secret key (`UPTAKE_SECRET_KEY`, or the `secret_key` file of the data folder) by HKDF.

The derived key is used for nothing else (its own HKDF `info`), so a leaked connector secret column tells
nothing about session cookies, and the other way round. Changing the installation's secret key makes the
stored secrets unreadable: each connector then says so on its next run, and an admin sets its secret again.
A secret is never returned by the API, shown on a page, written to the audit log or logged.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from uptake.errors import UptakeError

_INFO = b"uptake connectors secret v1"


class SecretUnreadable(UptakeError):
    status = 409
    title = "The connector's secret cannot be read: the installation's secret key changed. Set it again."


def _fernet(installation_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        installation_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def seal(installation_key: str, secret: str) -> str:
    """The secret encrypted for storage."""
    return _fernet(installation_key).encrypt(secret.encode()).decode()


def unseal(installation_key: str, sealed: str) -> str:
    """The stored secret in clear, for the one request that needs it; SecretUnreadable after a key change."""
    try:
        return _fernet(installation_key).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable() from None
