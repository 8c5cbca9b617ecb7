"""Errors of the keys package.

Every failure is a typed error that says why (so a verifier can tell "bad signature" from "key compromised"),
and no message, repr or traceback argument ever carries private key material.
"""

from __future__ import annotations


class KeysError(Exception):
    """Base class of every error the keys package raises on purpose."""
