"""Errors of the transparency log. Each says, in Chinese and English, what does not hold and why."""

from __future__ import annotations

from registry.errors import RegistryError


class LogError(RegistryError):
    """Base class of the log's own errors."""


class ProofError(LogError):
    """An inclusion or consistency proof does not verify (or cannot, being malformed)."""


class NoteError(LogError):
    """A signed note or checkpoint is malformed, or no trusted key's signature on it verifies."""


class LogRangeError(LogError):
    """A leaf index, tree size or entry range outside what the log holds (a client's mistake: HTTP 400)."""


class LogCorruptError(LogError):
    """The stored log contradicts itself (a leaf or node missing or altered); run ``certreg audit``."""
