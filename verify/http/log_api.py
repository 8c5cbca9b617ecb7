"""The public, read-only routes of the transparency log (``/v1/log/…``), cacheable by anyone.

Bodies are built once and served with an ``ETag`` (a matching ``If-None-Match`` gets 304) and a
``Cache-Control`` that is long for what can never change (entries, proofs at explicit sizes) and short for
what moves (the latest checkpoint). A parameter outside the log is a 400 with a bilingual message; rows
missing from the stored log are the server's fault, a 503 (see :mod:`verify.http.errors`), never a short
page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Any, Final

import msgspec
from litestar import Controller, MediaType, Request, Response
from litestar.di import NamedDependency
from litestar.params import Parameter

from registry.log.errors import LogCorruptError
from registry.log.service import consistency_view, entries_page, inclusion_view, require_checkpoint
from registry.log.store import EntryView, active_log_verifier
from verify.http.head import get
from verify.runtime import VerifyRuntime

TEXT: Final = MediaType.TEXT  # litestar adds "; charset=utf-8" itself
FOREVER: Final = "public, max-age=31536000, immutable"
SHORT: Final = "public, max-age=10"
KEY_CACHE: Final = "public, max-age=300"
MAX_INDEX: Final = 2**62  # beyond any log; keeps numbers the database cannot hold out of queries

Start = Annotated[int, Parameter(ge=0, le=MAX_INDEX, description="first leaf index")]
End = Annotated[int, Parameter(ge=0, le=MAX_INDEX, description="leaf index after the last (at most start + 1000)")]
LeafIndex = Annotated[int, Parameter(ge=0, le=MAX_INDEX, description="leaf index")]
First = Annotated[int, Parameter(ge=1, le=MAX_INDEX, description="the smaller tree size")]
TreeSize = Annotated[int | None, Parameter(ge=1, le=MAX_INDEX, description="tree size (default: latest checkpoint)")]


def cacheable(request: Request[Any, Any, Any], body: bytes, media_type: str, cache_control: str) -> Response[bytes]:
    """``body`` with its ETag and ``Cache-Control``, or an empty 304 when the client already has it."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    wanted = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in wanted or "*" in wanted:
        return Response(b"", status_code=304, headers=headers, media_type=media_type)
    return Response(body, headers=headers, media_type=media_type)


def _require_whole(entries: Sequence[EntryView], start: int, end: int) -> None:
    """Raise :class:`LogCorruptError` unless ``entries`` are exactly the leaves ``[start, end)``: a page with a
    hole must never be served, least of all as immutable (caches would keep it for a year)."""
    if len(entries) != end - start or any(entry.index != start + i for i, entry in enumerate(entries)):
        have = {entry.index for entry in entries}
        missing = [index for index in range(start, end) if index not in have]
        raise LogCorruptError(f"日志缺少叶子 / leaves missing from the log: {missing[:5]}; run `certreg audit`")


def _json(request: Request[Any, Any, Any], view: msgspec.Struct, cache_control: str) -> Response[bytes]:
    return cacheable(request, msgspec.json.encode(view), MediaType.JSON, cache_control)


class LogController(Controller):
    path = "/v1/log"
    tags = ["log"]  # noqa: RUF012 - litestar's own attribute

    @get("/checkpoint", media_type=TEXT)
    async def checkpoint(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[VerifyRuntime]
    ) -> Response[bytes]:
        """The latest signed checkpoint (C2SP signed note)."""
        async with runtime.database.reader() as session:
            latest = await require_checkpoint(session)
        return cacheable(request, latest.note.encode(), TEXT, SHORT)

    @get("/key", media_type=TEXT)
    async def key(self, request: Request[Any, Any, Any], runtime: NamedDependency[VerifyRuntime]) -> Response[bytes]:
        """The log's verifier key, ``<origin>+<key ID>+<base64 key>``, for monitors to pin."""
        async with runtime.database.reader() as session:
            verifier = await active_log_verifier(session, runtime.settings.log_origin)
        return cacheable(request, f"{verifier.encode()}\n".encode(), TEXT, KEY_CACHE)

    @get("/entries")
    async def entries(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[VerifyRuntime],
        start: Start,
        end: End,
    ) -> Response[bytes]:
        """Leaves ``[start, end)`` (at most 1,000): their bytes, hashes and decoded events."""
        async with runtime.database.reader() as session:
            page = await entries_page(session, start, end)
        _require_whole(page.entries, start, end)
        return _json(request, page, FOREVER)

    @get("/proof/inclusion")
    async def inclusion(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[VerifyRuntime],
        index: LeafIndex,
        size: TreeSize = None,
    ) -> Response[bytes]:
        """Inclusion proof of leaf ``index`` at ``size`` (default: the latest checkpoint's)."""
        async with runtime.database.reader() as session:
            view = await inclusion_view(session, index, size)
        return _json(request, view, FOREVER if size is not None else SHORT)

    @get("/proof/consistency")
    async def consistency(
        self,
        request: Request[Any, Any, Any],
        runtime: NamedDependency[VerifyRuntime],
        first: First,
        second: TreeSize = None,
    ) -> Response[bytes]:
        """Consistency proof from ``first`` to ``second`` leaves (default: the latest checkpoint's)."""
        async with runtime.database.reader() as session:
            view = await consistency_view(session, first, second)
        return _json(request, view, FOREVER if second is not None else SHORT)
