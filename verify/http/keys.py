"""The ready answers of ``GET /v1/keys``: 200 with the set and a strong ETag, or 304, rebuilt once per key-set
load (the key set itself is held by :class:`verify.keysets.KeySetCache`)."""

from __future__ import annotations

from verify.http.responses import JSON, RawResponse
from verify.keysets import KeySetCache


class KeySetAnswers:
    """``GET /v1/keys`` answers for the current key set of ``keysets``."""

    def __init__(self, keysets: KeySetCache, *, max_age: int) -> None:
        self.keysets = keysets
        self.max_age = max_age
        self._etag = b""
        self.ok = RawResponse(200, b"{}", [])
        self.not_modified = RawResponse(304, b"", [])

    def answer(self, if_none_match: str | None) -> RawResponse:
        """200 with the set, or 304 when ``If-None-Match`` names the current ETag."""
        if self._etag != self.keysets.etag:
            self._build()
        return self.not_modified if self.keysets.matches(if_none_match) else self.ok

    def _build(self) -> None:
        etag = self.keysets.etag
        headers = [
            (b"etag", etag),
            (b"cache-control", f"public, max-age={self.max_age}".encode()),
            (b"vary", b"accept-encoding"),
        ]
        self.ok = RawResponse(200, self.keysets.body, [(b"content-type", JSON), *headers])
        self.not_modified = RawResponse(304, b"", headers)
        self._etag = etag
