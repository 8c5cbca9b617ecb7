"""The transparency log: an RFC 6962 / RFC 9162 Merkle tree over the event table (see docs/log.md).

Pure: ``merkle`` (hashing), ``paths`` (which ranges a proof needs), ``verification`` (checking proofs),
``note``/``checkpoint`` (C2SP signed notes), ``frontier`` (rebuilding a tree in O(log n) memory),
``monitor`` (a monitor's decisions). Store: ``tree`` (nodes of level 8 and
up), ``proofs``, ``store``, ``service`` (what the public routes answer).
The audit of the registry against this log is its own package, :mod:`registry.audit`.
"""
