"""The public notice: ``GET /notice`` (HTML, zh-CN, mobile-first, no script) and ``GET /v1/notice`` (JSON).

No token: the notice is public by rule 8. Pages are short-lived in caches (a batch leaves the notice when
it is issued).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from issuer.batches import pages
from issuer.batches.notice import NoticeBatch, NoticeIndex, notice_list, notice_of
from issuer.params import BatchId
from issuer.runtime import IssuerRuntime
from registry.errors import NotFoundError

Page = Annotated[int, QueryParameter(ge=1, le=100_000)]
_CACHE = {"Cache-Control": "public, max-age=60"}


class NoticeController(Controller):
    path = "/"
    tags = ("notice",)

    @get("/notice", media_type=MediaType.HTML)
    async def index_page(self, issuer: NamedDependency[IssuerRuntime], page: Page = 1) -> Response[str]:
        index = await notice_list(issuer.database, page=page)
        province = issuer.profile.name_zh
        return Response(
            pages.notice_index(index, province=province, demo=issuer.settings.demo_mode),
            media_type=MediaType.HTML,
            headers=_CACHE,
        )

    @get("/notice/{batch_id:int}", media_type=MediaType.HTML)
    async def batch_page(
        self, batch_id: BatchId, issuer: NamedDependency[IssuerRuntime], page: Page = 1
    ) -> Response[str]:
        province = issuer.profile.name_zh
        try:
            batch = await notice_of(issuer.database, batch_id, page=page)
        except NotFoundError:
            return Response(
                pages.notice_missing(province=province, demo=issuer.settings.demo_mode),
                media_type=MediaType.HTML,
                status_code=404,
            )
        return Response(
            pages.notice_page(batch, province=province, demo=issuer.settings.demo_mode),
            media_type=MediaType.HTML,
            headers=_CACHE,
        )

    @get("/v1/notice")
    async def index_json(self, issuer: NamedDependency[IssuerRuntime], page: Page = 1) -> NoticeIndex:
        return await notice_list(issuer.database, page=page)

    @get("/v1/notice/{batch_id:int}")
    async def batch_json(
        self, batch_id: BatchId, issuer: NamedDependency[IssuerRuntime], page: Page = 1
    ) -> NoticeBatch:
        return await notice_of(issuer.database, batch_id, page=page)
