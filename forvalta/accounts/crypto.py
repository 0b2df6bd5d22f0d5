"""Secrets stored encrypted: an identity provider's client secret.

Fernet (AES-128-CBC with HMAC-SHA256) with a key derived from SECRET_KEY by HKDF, so
a database dump alone does not give the secret away. Keys from SECRET_KEY_FALLBACKS
still decrypt, so SECRET_KEY can be rotated (save the identity provider again to
re-encrypt its secret with the new key).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

_INFO = b"forvalta.accounts.crypto identity provider secrets v1"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(s) for s in secrets])


def encrypt(value: str) -> str:
    return _keys().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """The clear text; "" when no key decrypts it (SECRET_KEY changed without fallback)."""
    try:
        return _keys().decrypt(token.encode()).decode()
    except InvalidToken:
        return ""
