"""The proof of work of the person form: a stateless hashcash-style challenge signed with an HMAC.

The form page carries a challenge ``v1.<expires>.<bits>.<random>.<mac>``; ``mac`` is HMAC-SHA-256 (cut to
16 bytes) under a key derived from the id-hash key, over the rest and the client's address, so a challenge
is good for one address until it expires and the server keeps nothing. The inline script (``pow.js``,
allowed by its hash in the page's Content-Security-Policy) finds a decimal ``nonce`` such that

    SHA-256( SHA-256(challenge "\\n" id_type "\\n" id_number "\\n" name) ‖ nonce )

starts with ``bits`` zero bits: about 2^bits one-block hashes (15 bits: a few tenths of a second on a
phone). The work is bound to what is looked up, so one solution cannot be replayed for other people.

Why: a form that costs a browser a moment costs a bulk scraper the same moment per look-up, without any
third-party service or script. A form sent without a valid solution (JavaScript off, an old challenge) is
still answered, under the stricter per-address limit (``person_nojs_rate_per_minute``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time
from collections.abc import Callable
from importlib.resources import files
from typing import Final

SCRIPT: Final = (files("verify.person") / "pow.js").read_text("utf-8").strip()
#: The ``script-src`` source that allows exactly :data:`SCRIPT`.
SCRIPT_HASH: Final = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CHALLENGE_SECONDS: Final = 600
_VERSION: Final = "v1"
_MAX_NONCE: Final = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pow_key(id_hash_secret: bytes) -> bytes:
    """The challenge-signing key, derived from the id-hash key (domain-separated: it signs, never indexes)."""
    return hmac.new(id_hash_secret, b"certreg:person-pow:v1", hashlib.sha256).digest()


def leading_zero_bits(digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    return len(digest) * 8 - value.bit_length()


def work_digest(challenge: str, id_type: str, id_number: str, name: str, nonce: str) -> bytes:
    """The hash whose leading zero bits count (what ``pow.js`` computes)."""
    inner = hashlib.sha256("\n".join((challenge, id_type, id_number, name)).encode()).digest()
    return hashlib.sha256(inner + nonce.encode("ascii")).digest()


class ProofOfWork:
    """Issues and checks challenges of ``bits`` difficulty for one deployment."""

    def __init__(self, key: bytes, bits: int, *, clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.bits = bits
        self.clock = clock

    def _mac(self, body: str, client: str) -> str:
        return _b64(hmac.new(self.key, f"{body}.{client}".encode(), hashlib.sha256).digest()[:16])

    def challenge(self, client: str) -> str:
        """A new challenge for ``client`` (its rate-limit key), good for :data:`CHALLENGE_SECONDS`."""
        body = f"{_VERSION}.{int(self.clock()) + CHALLENGE_SECONDS}.{self.bits}.{_b64(os.urandom(12))}"
        return f"{body}.{self._mac(body, client)}"

    def solved(self, client: str, challenge: str, nonce: str, *, id_type: str, id_number: str, name: str) -> bool:
        """Whether ``nonce`` solves a live, genuine challenge of ``client`` for exactly these inputs."""
        parts = challenge.split(".")
        if len(parts) != 5 or parts[0] != _VERSION or not nonce.isascii() or not nonce.isdigit():
            return False
        if len(nonce) > _MAX_NONCE or not parts[1].isdigit() or not parts[2].isdigit():
            return False
        body = ".".join(parts[:4])
        if not hmac.compare_digest(parts[4], self._mac(body, client)):
            return False
        bits = int(parts[2])
        if int(parts[1]) < self.clock() or bits < self.bits:
            return False
        return leading_zero_bits(work_digest(challenge, id_type, id_number, name, nonce)) >= bits


def solve(challenge: str, *, id_type: str, id_number: str, name: str, bits: int) -> str:
    """A nonce for ``challenge`` (what the inline script does; for tests, the bench and API clients)."""
    inner = hashlib.sha256("\n".join((challenge, id_type, id_number, name)).encode()).digest()
    nonce = 0
    while True:
        text = str(nonce)
        if leading_zero_bits(hashlib.sha256(inner + text.encode()).digest()) >= bits:
            return text
        nonce += 1
