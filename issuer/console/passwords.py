"""Staff passwords: Argon2id strings (libsodium's ``crypto_pwhash_str`` through PyNaCl), never the password.

The string carries its own parameters, so a hash made with one cost level verifies under any other. The
cost is libsodium's ``INTERACTIVE`` level (about 64 MiB, a fraction of a second), which a sign-in can afford
on a shared server; the ``insecure-test-only`` key KDF setting (tests only) selects the minimum.
"""

from __future__ import annotations

import functools
from typing import Final

import msgspec
from nacl import pwhash
from nacl.exceptions import InvalidkeyError

from issuer.errors import InvalidInputError

MIN_LENGTH: Final = 10
MAX_LENGTH: Final = 128


class PasswordCost(msgspec.Struct, frozen=True):
    """Argon2id cost (operations, memory in bytes)."""

    opslimit: int
    memlimit: int


INTERACTIVE: Final = PasswordCost(pwhash.argon2id.OPSLIMIT_INTERACTIVE, pwhash.argon2id.MEMLIMIT_INTERACTIVE)
TEST_ONLY: Final = PasswordCost(pwhash.argon2id.OPSLIMIT_MIN, pwhash.argon2id.MEMLIMIT_MIN)


@functools.cache
def _dummy(opslimit: int, memlimit: int) -> bytes:
    """A hash of no password anyone knows: an unknown login name is checked against it, so it costs as long as
    a known one and the answer time does not tell which names exist."""
    return bytes(pwhash.argon2id.str(b"certreg-no-such-account", opslimit=opslimit, memlimit=memlimit))


def cost_for(key_kdf: str) -> PasswordCost:
    """The cost to hash new passwords with, from the ``CERTREG_KEY_KDF`` level (tests set the weakest)."""
    return TEST_ONLY if key_kdf == "insecure-test-only" else INTERACTIVE


def check_new_password(password: str) -> None:
    """Raise :class:`InvalidInputError` for a password that is too short or too long (the message never
    repeats it)."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInputError(
            f"密码须为 {MIN_LENGTH}–{MAX_LENGTH} 个字符 / a password has {MIN_LENGTH}–{MAX_LENGTH} characters",
            field="password",
            code="staff.password",
        )


def hash_password(password: str, cost: PasswordCost = INTERACTIVE) -> str:
    """The Argon2id string of ``password`` (checked by :func:`check_new_password` first)."""
    check_new_password(password)
    return pwhash.argon2id.str(password.encode(), opslimit=cost.opslimit, memlimit=cost.memlimit).decode("ascii")


def verify_password(stored: str | None, password: str, cost: PasswordCost = INTERACTIVE) -> bool:
    """Whether ``password`` matches the Argon2id string ``stored``; ``None`` (no such account) is checked
    against a dummy hash of ``cost`` and is never a match. A malformed string is a mismatch, never an exception."""
    candidate = password.encode()[: MAX_LENGTH * 4]
    if stored is None:
        _verify(_dummy(cost.opslimit, cost.memlimit), candidate)
        return False
    return _verify(stored.encode("ascii"), candidate)


def _verify(stored: bytes, candidate: bytes) -> bool:
    try:
        return bool(pwhash.verify(stored, candidate))
    except (InvalidkeyError, ValueError, TypeError):
        return False
