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
from litestar.openapi.datastructures import ResponseSpec

from registry.errors import ConflictError, NotFoundError
from registry.log.errors import LogCorruptError
from registry.log.service import (
    ConsistencyView,
    EntriesPage,
    InclusionView,
    consistency_view,
    entries_page,
    inclusion_view,
    require_checkpoint,
)
from registry.log.store import EntryView, active_log_verifier
from verify.errors import NotAvailableError
from verify.http.apidocs import bounded
from verify.http.head import get
from verify.http.problems import ok, problem_spec
from verify.runtime import VerifyRuntime

TEXT: Final = MediaType.TEXT  # litestar adds "; charset=utf-8" itself
FOREVER: Final = "public, max-age=31536000, immutable"
SHORT: Final = "public, max-age=10"
#: What the public reads while the province has no active log key, or two (never the operator's remedy).
LOG_KEY_UNAVAILABLE: Final = "日志验证公钥暂不可用 / the log's verifier key is not available"
KEY_CACHE: Final = "public, max-age=300"
MAX_INDEX: Final = 2**62  # beyond any log; keeps numbers the database cannot hold out of queries

Start = Annotated[int, bounded(0, MAX_INDEX, description="first leaf index")]
End = Annotated[int, bounded(0, MAX_INDEX, description="leaf index after the last (at most start + 1000)")]
LeafIndex = Annotated[int, bounded(0, MAX_INDEX, description="leaf index")]
First = Annotated[int, bounded(1, MAX_INDEX, description="the smaller tree size")]
TreeSize = Annotated[int | None, bounded(1, MAX_INDEX, description="tree size (default: latest checkpoint)")]


_HASH: Final = "3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
_NOTE: Final = "zs.example.cn/log\n42\n3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— zs.example.cn/log Az3grlgt…\n"
_ERRORS: Final = {
    400: problem_spec(
        400,
        "参数超出日志范围或格式错误 / a parameter is malformed or outside the log",
        "树大小 99 超出日志 (1..42) / tree size 99 is outside the log (1..42)",
    ),
    404: problem_spec(
        404,
        "日志尚未发布检查点 / the log has not published a checkpoint yet",
        "日志尚未发布检查点 / the log has not published a checkpoint yet",
    ),
    503: problem_spec(503, "存储的日志不完整 / the stored log is incomplete", "日志数据不完整 / the log is incomplete"),
}


def _answer(data: Any, description: str, example: Any, media_type: str = MediaType.JSON) -> dict[int, ResponseSpec]:
    """The 200 (with ``example``) and the 304 of a cacheable log route."""
    return {
        200: ok(data, description, example, media_type=media_type),
        304: ResponseSpec(None, description="未改变（If-None-Match 与 ETag 相同）/ not modified (ETag matches)"),
    }


def _doc(operation_id: str, summary: str, answers: dict[int, ResponseSpec], errors: tuple[int, ...]) -> dict[str, Any]:
    """Decorator arguments: a readable id (``…Head`` for HEAD), summary, answers and problem responses."""
    return {
        "operation_id": operation_id,
        "summary": summary,
        "responses": {**answers, **{status: _ERRORS[status] for status in errors}},
    }


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

    @get(
        "/checkpoint",
        media_type=TEXT,
        **_doc(
            "getLogCheckpoint",
            "最新签名检查点 / the latest signed checkpoint",
            _answer(str, "C2SP 签名笔记 / C2SP signed note", _NOTE, TEXT),
            (404,),
        ),
    )
    async def checkpoint(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[VerifyRuntime]
    ) -> Response[bytes]:
        """The latest signed checkpoint (C2SP signed note)."""
        async with runtime.database.reader() as session:
            latest = await require_checkpoint(session)
        return cacheable(request, latest.note.encode(), TEXT, SHORT)

    @get(
        "/key",
        media_type=TEXT,
        **_doc(
            "getLogKey",
            "日志验证公钥 / the log's verifier key",
            {
                **_answer(str, "verifier key", "zs.example.cn/log+3a2b1c0d+AWdSN0…\n", TEXT),
                404: problem_spec(404, LOG_KEY_UNAVAILABLE, LOG_KEY_UNAVAILABLE),
            },
            (),
        ),
    )
    async def key(self, request: Request[Any, Any, Any], runtime: NamedDependency[VerifyRuntime]) -> Response[bytes]:
        """The log's verifier key, ``<origin>+<key ID>+<base64 key>``, for monitors to pin; 404 "not
        available" while the province has no active log key or has two (the operator reads why in the
        start-up log, :meth:`VerifyRuntime.start`)."""
        try:
            async with runtime.database.reader() as session:
                verifier = await active_log_verifier(session, runtime.settings.transparency.log_origin)
        except (NotFoundError, ConflictError) as exc:
            raise NotAvailableError(LOG_KEY_UNAVAILABLE) from exc
        return cacheable(request, f"{verifier.encode()}\n".encode(), TEXT, KEY_CACHE)

    @get(
        "/entries",
        **_doc(
            "getLogEntries",
            "日志叶子 [start, end) / log leaves [start, end)",
            _answer(
                EntriesPage,
                "叶子与解码后的事件 / leaves and their decoded events",
                {"start": 0, "end": 1, "tree_size": 42, "entries": [{"index": 0, "leaf": "AQID", "leaf_hash": _HASH}]},
            ),
            (400, 503),
        ),
    )
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

    @get(
        "/proof/inclusion",
        **_doc(
            "getLogInclusionProof",
            "包含证明 / inclusion proof (RFC 6962)",
            _answer(
                InclusionView,
                "包含证明 / the inclusion proof",
                {"index": 3, "tree_size": 42, "leaf_hash": _HASH, "root_hash": _HASH, "proof": [_HASH]},
            ),
            (400, 404),
        ),
    )
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

    @get(
        "/proof/consistency",
        **_doc(
            "getLogConsistencyProof",
            "一致性证明 / consistency proof (RFC 6962)",
            _answer(
                ConsistencyView,
                "一致性证明 / the consistency proof",
                {"first": 7, "second": 42, "first_root": _HASH, "second_root": _HASH, "proof": [_HASH]},
            ),
            (400, 404),
        ),
    )
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
