"""Signs/s and verifies/s of our code next to bare PyNaCl, measured in the same run.

Contenders, all over the same message (``DOMAIN + statement`` of a typical record, 114 bytes):

* ``bare sign``: ``nacl.signing.SigningKey.sign`` — ``ours sign``: :meth:`keys.signing.SigningKey.sign`
* ``bare verify``: ``nacl.signing.VerifyKey.verify(message, signature=sig)``
* ``ours verify_signature``: :func:`keys.signing.verify_signature`
* ``ours KeySet.verify``: the full key-set check (kid look-up in a 30-key set with the key last, window,
  compromise, signature) — what ``verify_ratio`` reports
* ``ours verify_statement``: decode + key-set check (what a token verification costs)

Each round times every contender for ``--loops`` calls, in a rotating order so drift favours none;
the table shows medians over ``--rounds`` rounds. The last line is exactly one JSON object
``{"sign_ratio": …, "verify_ratio": …}`` (ours / bare, higher is better; the target is >= 0.9).
Run: ``.venv/bin/python bench/crypto.py``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import date, datetime

import nacl.signing

from keys.keyinfo import PROVINCE_TZ, PublicKeyInfo
from keys.keyset import KeySet
from keys.kid import b64url_encode
from keys.signing import SigningKey, verify_signature
from registry.statement import DOMAIN, Statement, days_since_epoch, encode_statement, verify_statement


def _info(key: SigningKey, authority: str) -> PublicKeyInfo:
    return PublicKeyInfo(
        kid=key.kid,
        authority=authority,
        purpose="statement",
        algorithm="Ed25519",
        public_key=b64url_encode(key.public_key),
        valid_from=datetime(2024, 1, 1, tzinfo=PROVINCE_TZ),
    )


def contenders() -> dict[str, Callable[[], object]]:
    """Name -> a zero-argument call doing one operation."""
    seed = bytes(range(32))
    ours = SigningKey.from_seed(seed)
    others = [SigningKey.from_seed(bytes([i]) * 32) for i in range(1, 30)]
    keyset = KeySet(keys=(*(_info(k, f"4301{i:02d}") for i, k in enumerate(others)), _info(ours, "430000")))
    st = Statement(
        1, "S000043000123253000011", 2, "张三丰", "430102********1234", "6-31-01-03",
        4, "S000043000123", "430000", days_since_epoch(date(2025, 6, 30)), ours.kid,
    )  # fmt: skip
    data = encode_statement(st)
    message = DOMAIN + data
    bare_sk = nacl.signing.SigningKey(seed)
    bare_vk = bare_sk.verify_key
    signature = ours.sign(message)
    public, signed_on = ours.public_key, st.issued_date
    return {
        "bare sign": lambda: bare_sk.sign(message),
        "ours sign": lambda: ours.sign(message),
        "bare verify": lambda: bare_vk.verify(message, signature=signature),
        "ours verify_signature": lambda: verify_signature(public_key=public, message=message, signature=signature),
        "ours KeySet.verify": lambda: keyset.verify(
            kid=ours.kid, message=message, signature=signature, signed_on=signed_on
        ),
        "ours verify_statement": lambda: verify_statement(data, signature, keyset),
    }


def _rate(call: Callable[[], object], loops: int) -> float:
    start = time.perf_counter()
    for _ in range(loops):
        call()
    return loops / (time.perf_counter() - start)


def measure(rounds: int, loops: int) -> dict[str, float]:
    """Median operations per second of each contender."""
    calls = contenders()
    names = list(calls)
    rates: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up
        _rate(calls[name], loops // 10 or 1)
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            rates[name].append(_rate(calls[name], loops))
    return {name: statistics.median(values) for name, values in rates.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--loops", type=int, default=3000)
    args = parser.parse_args()
    medians = measure(args.rounds, args.loops)
    print(f"median of {args.rounds} rounds x {args.loops} calls")
    print(f"{'operation':24} {'ops/s':>10} {'vs bare':>8}")
    for name, rate in medians.items():
        bare = medians["bare sign" if "sign" in name and "verify" not in name else "bare verify"]
        print(f"{name:24} {rate:10.0f} {rate / bare:8.3f}")
    ratios = {
        "sign_ratio": round(medians["ours sign"] / medians["bare sign"], 3),
        "verify_ratio": round(medians["ours KeySet.verify"] / medians["bare verify"], 3),
    }
    print(json.dumps(ratios))


if __name__ == "__main__":
    main()
