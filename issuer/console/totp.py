"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP, HMAC-SHA-1, 6 digits, 30-second steps), the
secret sealed at rest, and one-time recovery codes. Pure code: no database, no HTTP.

A code is accepted for the current step and one step either side (clock drift), and never for a step at or
before the last one the account used: a code seen once (over a shoulder, in a proxy log) cannot be replayed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from typing import Final
from urllib.parse import quote, urlencode

from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

STEP_SECONDS: Final = 30
DIGITS: Final = 6
DRIFT_STEPS: Final = 1
SECRET_BYTES: Final = 20
RECOVERY_CODES: Final = 10
_RECOVERY_ALPHABET: Final = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read off paper


class SealError(Exception):
    """A sealed TOTP secret does not open with this server's key (another key, or altered bytes)."""


def hotp(secret: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226 HOTP value of ``counter`` (``digest`` sha1, sha256 or sha512 for RFC 6238's vectors)."""
    mac = hmac.new(secret, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def step_of(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def totp(secret: bytes, unix_time: float, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 6238 TOTP value at ``unix_time``."""
    return hotp(secret, step_of(unix_time), digits=digits, digest=digest)


def match_step(secret: bytes, code: str, unix_time: float, *, last_step: int | None) -> int | None:
    """The time step ``code`` is valid for (now ± one step, after ``last_step``), or ``None``."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    now = step_of(unix_time)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(hotp(secret, step), code):
            return step
    return None


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def secret_text(secret: bytes) -> str:
    """The secret as authenticator apps take it typed: base32 without padding."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def otpauth_uri(secret: bytes, *, login: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app reads from the enrolment QR code."""
    label = quote(f"{issuer}:{login}", safe="")
    query = urlencode({"secret": secret_text(secret), "issuer": issuer, "digits": DIGITS, "period": STEP_SECONDS})
    return f"otpauth://totp/{label}?{query}"


def sealing_key(server_secret: bytes) -> bytes:
    """The key that seals TOTP secrets, derived from the server's secret (never the secret itself)."""
    return hashlib.blake2b(b"totp-secret", key=server_secret[:64], person=b"certreg-console", digest_size=32).digest()


def seal(secret: bytes, key: bytes) -> bytes:
    return bytes(SecretBox(key).encrypt(secret))


def unseal(sealed: bytes, key: bytes) -> bytes:
    """The TOTP secret; raises :class:`SealError` when ``sealed`` does not open with ``key``."""
    try:
        return bytes(SecretBox(key).decrypt(sealed))
    except (CryptoError, ValueError, TypeError) as exc:
        raise SealError("the TOTP secret does not open with this server's key") from exc


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """One-time codes like ``k7m2-x9pq-4hte`` (60 bits each), shown once to the account holder."""
    return [
        "-".join("".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(4)) for _ in range(3)) for _ in range(count)
    ]


def recovery_hash(account_id: int, code: str) -> bytes:
    """What is stored of a recovery code: SHA-256 bound to the account (case and spaces do not matter)."""
    normal = code.strip().lower().replace(" ", "").replace("-", "")
    return hashlib.sha256(f"certreg-recovery:{account_id}:{normal}".encode()).digest()


def looks_like_recovery_code(code: str) -> bool:
    normal = code.strip().lower().replace(" ", "").replace("-", "")
    return len(normal) == 12 and all(ch in _RECOVERY_ALPHABET for ch in normal)
