"""The public notice: ``GET /notice`` (HTML, zh-CN, mobile-first, no script) and ``GET /v1/notice`` (JSON).

No token: the notice is public by rule 8. Pages and their JSON twins are short-lived in caches, one policy
(:data:`_CACHE`) for both (a batch leaves the notice when it is issued).
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, MediaType, Response
from litestar.params import QueryParameter

from issuer import openapi_examples as examples
from issuer.batches import pages
from issuer.batches.notice import NoticeBatch, NoticeIndex, notice_list, notice_of
from issuer.injected import Runtime
from issuer.openapi import documented
from issuer.params import BatchId
from registry.errors import NotFoundError
from verify.http.apidocs import bounded
from verify.http.head import get as get_and_head
from verify.http.problems import ok

Page = Annotated[int, bounded(1, 100_000, kind=QueryParameter)]
#: The caching of the notice, pages and JSON alike: a minute, short enough for a batch that left the notice.
_CACHE = {"Cache-Control": "public, max-age=60"}


class NoticeController(Controller):
    path = "/"
    tags = ("notice",)

    @get_and_head("/notice", media_type=MediaType.HTML, include_in_schema=False)  # a page for people
    async def index_page(self, issuer: Runtime, page: Page = 1) -> Response[str]:
        index = await notice_list(issuer.database, page=page)
        province = issuer.profile.name_zh
        return Response(
            pages.notice_index(index, province=province, demo=issuer.settings.issuing.demo_mode),
            media_type=MediaType.HTML,
            headers=_CACHE,
        )

    @get_and_head("/notice/{batch_id:int}", media_type=MediaType.HTML, include_in_schema=False)
    async def batch_page(self, batch_id: BatchId, issuer: Runtime, page: Page = 1) -> Response[str]:
        province = issuer.profile.name_zh
        try:
            batch = await notice_of(issuer.database, batch_id, page=page)
        except NotFoundError:
            return Response(
                pages.notice_missing(province=province, demo=issuer.settings.issuing.demo_mode),
                media_type=MediaType.HTML,
                status_code=404,
            )
        return Response(
            pages.notice_page(batch, province=province, demo=issuer.settings.issuing.demo_mode),
            media_type=MediaType.HTML,
            headers=_CACHE,
        )

    @get_and_head(
        "/v1/notice",
        **documented(
            "listNotices",
            "公示中的批次（公开）/ the batches under public notice (public)",
            errors=(400,),
            answers={200: ok(NoticeIndex, "一页公示 / a page of the notice", examples.NOTICE_INDEX)},
            bearer=False,
        ),
    )
    async def index_json(self, issuer: Runtime, page: Page = 1) -> Response[NoticeIndex]:
        """The batches under notice, newest notice first; names masked (rule 8)."""
        return Response(await notice_list(issuer.database, page=page), headers=_CACHE)

    @get_and_head(
        "/v1/notice/{batch_id:int}",
        **documented(
            "getNotice",
            "一个批次的公示（公开）/ one batch's public notice (public)",
            errors=(400, 404),
            answers={200: ok(NoticeBatch, "批次公示 / the batch's notice", examples.NOTICE_BATCH)},
            bearer=False,
        ),
    )
    async def batch_json(self, batch_id: BatchId, issuer: Runtime, page: Page = 1) -> Response[NoticeBatch]:
        """One batch's notice, a page of its rows (names masked, rule 8); 404 once it left the notice."""
        return Response(await notice_of(issuer.database, batch_id, page=page), headers=_CACHE)
