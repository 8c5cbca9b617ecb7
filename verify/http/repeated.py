"""A query parameter the route reads once, sent twice, is refused with a bilingual 400 naming it.

Litestar keeps the last value of a repeated single-valued query parameter (``?variant=print&variant=
electronic`` printed the electronic one, ``?lang=en&lang=zh`` answered in Chinese), while another reader of
the same URL — a proxy's log, a cache key, the client's own code — may take the first. A body naming a key
twice is refused as ambiguous (:mod:`verify.http.bodies`); the query is now read the same way. A parameter
the route declares as a list (``list[str]``) may repeat; a name the app does not read is left alone, as any
unknown parameter is. ``lang`` is read by every page and error answer, so it may never repeat.

The refusal is a :class:`ValidationException` of the query parameter, so it is answered like any other
invalid parameter: a page on the pages for people and the staff console, problem details on the API.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import parse_qsl

from litestar.exceptions import ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

#: Read by every page and error answer (``request.query_params.get("lang")``), whatever the route declares.
_READ_EVERYWHERE: Final = frozenset({"lang"})


#: Why a repeated parameter is refused; the answer's message names the parameter before it, as for any other
#: invalid one ("查询参数 variant 无效：… / invalid request: variant (query): …").
REPEATED: Final = (
    "出现了多次，取哪个值不明确，请只传一次 / given more than once, so which value counts is ambiguous; send it once"
)


class _Reads:
    """The query names each route handler reads once, cached: the kwargs model is built once per handler."""

    def __init__(self) -> None:
        self._single: dict[int, frozenset[str]] = {}

    def single(self, handler: BaseRouteHandler, path_params: dict[str, Any]) -> frozenset[str]:
        known = self._single.get(id(handler))
        if known is None:
            model = handler.create_kwargs_model(path_parameters=dict.fromkeys(path_params))  # type: ignore[arg-type]
            sequences = set(model.sequence_query_parameter_names)
            declared = {p.field_alias for p in model.expected_query_params} - sequences
            known = frozenset(declared | (_READ_EVERYWHERE - sequences))
            self._single[id(handler)] = known
        return known


class RefuseRepeatedQuery:
    """App-wide middleware: a request whose query repeats a single-valued parameter the route reads is a 400."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.reads = _Reads()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope
        query: bytes = http.get("query_string", b"") if http["type"] == "http" else b""
        if b"&" in query:  # one parameter at most otherwise: the common request costs this test
            handler = http.get("route_handler")
            if isinstance(handler, BaseRouteHandler):
                name = self._repeated(query, self.reads.single(handler, http.get("path_params") or {}))
                if name is not None:
                    raise ValidationException(extra=[{"message": REPEATED, "key": name, "source": "query"}])
        await self.app(scope, receive, send)

    @staticmethod
    def _repeated(query: bytes, single: frozenset[str]) -> str | None:
        """The first name of ``single`` that ``query`` gives more than once, else ``None``."""
        seen: set[str] = set()
        for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if name in single:
                if name in seen:
                    return name
                seen.add(name)
        return None
