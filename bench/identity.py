"""What holder identity costs per row, next to a bare PyNaCl Ed25519 signature measured in the same run.

The question behind it: the legacy import (issue 13) must run at 0.3x bare signs/s or better, and every
imported row validates a document number, computes its look-up index, masks it and seals it under a data
key, besides being signed. Contenders (best of ``--rounds`` interleaved rounds, as :mod:`bench.crypto`):

* ``bare sign``: ``nacl.signing.SigningKey.sign`` of a 114-byte statement — the baseline
* ``validate``: :func:`registry.rules.documents.holder_document` (type cell, number, mask)
* ``index``: :func:`registry.identity.index.document_digest`
* ``seal``: :func:`registry.identity.sealing.envelope.seal_document_number`
* ``open``: :meth:`registry.identity.sealing.ring.DataKeyRing.open_document_number` (export, admin read)
* ``identity row``: validate + index + seal, what one imported row adds

The last line is exactly one JSON object: ``{"identity_row_ratio_to_sign": …, "seal_ratio_to_sign": …,
"open_ratio_to_sign": …}`` (rates over the bare sign rate; above 1 means cheaper than a signature).
Run: ``.venv/bin/python -m bench.identity``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import nacl.signing

from bench.crypto import measure
from bench.flags import bench_parser
from keys.kek import KeyEncryptionKey
from registry.identity.index import holder_digest
from registry.identity.sealing.envelope import seal_document_number
from registry.identity.sealing.ring import DataKeyRing
from registry.rules.documents import holder_document
from registry.rules.profiles import HUNAN

TODAY = date(2025, 6, 1)
NUMBER = "11010519491231002X"
ROW = "holder:0f6c1e0e-7b0e-4b5e-9d8a-4c1c7f1f2a11"


def contenders() -> dict[str, Callable[[], object]]:
    """Name -> a zero-argument call doing one operation."""
    bare = nacl.signing.SigningKey(bytes(range(32)))
    message = bytes(114)
    secret = b"bench-id-hash-key-0123456789abcdef"
    ring = DataKeyRing(KeyEncryptionKey.generate())
    ring.new_key(created_on=TODAY)
    key = ring.active
    document = holder_document(HUNAN, "居民身份证", NUMBER, today=TODAY)
    sealed = seal_document_number(key, document.document_type, document.number, row=ROW)

    def identity_row() -> object:
        checked = holder_document(HUNAN, "居民身份证", NUMBER, today=TODAY)
        holder_digest(secret, checked)
        return seal_document_number(key, checked.document_type, checked.number, row=ROW)

    return {
        "bare sign": lambda: bare.sign(message),
        "validate": lambda: holder_document(HUNAN, "居民身份证", NUMBER, today=TODAY),
        "index": lambda: holder_digest(secret, document),
        "seal": lambda: seal_document_number(key, document.document_type, document.number, row=ROW),
        "open": lambda: ring.open_document_number(sealed, document.document_type, row=ROW),
        "identity row": identity_row,
    }


def ratios(best: dict[str, float]) -> dict[str, float]:
    """The figures of the last line: each rate over the bare sign rate."""
    sign = best["bare sign"]
    return {
        "identity_row_ratio_to_sign": round(best["identity row"] / sign, 3),
        "seal_ratio_to_sign": round(best["seal"] / sign, 3),
        "open_ratio_to_sign": round(best["open"] / sign, 3),
    }


def main(argv: list[str] | None = None) -> None:
    parser = bench_parser(__doc__.splitlines()[0], rounds=15, loops=2000)
    args = parser.parse_args(argv)
    best = measure(args.rounds, args.loops, contenders())
    print(f"best of {args.rounds} interleaved rounds x {args.loops} calls")
    print(f"{'operation':16} {'ops/s':>10} {'vs bare sign':>13}")
    for name, rate in best.items():
        print(f"{name:16} {rate:10.0f} {rate / best['bare sign']:13.3f}")
    print(json.dumps(ratios(best)))


if __name__ == "__main__":
    main()
