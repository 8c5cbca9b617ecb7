"""HTTP controllers of the batch workflow (``/v1/batches``): parse, call one service, answer.

The routes sit in a :class:`litestar.Router` whose body limit is the upload limit plus the multipart
framing (the app's default is 10 MB; uploads may be ``CERTREG_MAX_UPLOAD_BYTES``, 20 MB by default).
"""

from __future__ import annotations

from typing import Annotated, Any, Final, TypeVar

from litestar import Controller, Request, Response, Router, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter

from issuer import openapi_examples as examples
from issuer.auth import Principal
from issuer.batches import reports, submission, transitions
from issuer.batches.dto import (
    BatchDetail,
    BatchList,
    ImportAnswer,
    NoticeRequest,
    ResolveRequest,
    ReviewRequest,
    RowsRequest,
)
from issuer.batches.errors import SameUploadError
from issuer.batches.notice_api import NoticeController
from issuer.batches.steps import ReviewStep, RowsStep, StepAction, resubmit_form, start_notice, submit_form
from issuer.batches.template import build_template
from issuer.batches.upload import FORM_SLACK, RESUBMIT_FIELDS, SUBMIT_FIELDS, read_form
from issuer.batches.workflow import RowStatus, State
from issuer.injected import Caller, Runtime
from issuer.openapi import REASON_REQUIRED, RESUBMIT_FORM, SUBMIT_FORM, documented
from issuer.params import BatchId, Offset
from issuer.runtime import IssuerRuntime
from issuer.text_checks import check_text
from registry.config import Settings
from registry.vocab import CertificateKind
from verify.http.apidocs import bounded
from verify.http.head import get as get_and_head
from verify.http.problems import ok

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Limit = Annotated[int, bounded(1, reports.MAX_PAGE, kind=QueryParameter)]


#: What every step on one batch answers: the batch as it now is.
_THE_BATCH: Final = {200: ok(BatchDetail, "批次 / the batch", examples.BATCH_DETAIL)}
_STEP_ERRORS: Final = (400, 401, 403, 404, 409)
#: A step that names rows can also name rows the batch does not hold (422).
_ROW_ERRORS: Final = (*_STEP_ERRORS, 422)
#: The request body of a step; each :func:`_step` resolves it to that step's own type.
Body = TypeVar("Body")


async def _batch_now(issuer: IssuerRuntime, principal: Principal, batch_id: int) -> BatchDetail:
    return await reports.batch_detail(issuer.database, issuer.profile, principal, batch_id)


def _step(
    path: str,
    operation_id: str,
    summary: str,
    *,
    errors: tuple[int, ...],
    body: type[Body],
    act: StepAction[Body],
    doc: str,
) -> HTTPRouteHandler:
    """``POST /v1/batches/{batch_id}/<path>``, a step of the workflow: the JSON body (a ``body``) through
    ``act``, then the batch as it now is. The console builds its steps the same way on the same services
    (:mod:`issuer.console.screens.batches`).

    ``data`` is annotated with the type variable ``Body``; litestar resolves a handler's annotations in its
    ``signature_namespace``, where ``Body`` is ``body``: the route parses, validates and documents the body as
    that type, exactly as a handler written out with ``data: JSONBody[body]``. ``doc`` is the handler's
    docstring (the operation's description), its name the path's."""

    async def step(
        self: Controller, *, batch_id: BatchId, data: JSONBody[Body], issuer: Runtime, principal: Caller
    ) -> BatchDetail:
        await act(issuer, principal, batch_id, data)
        return await _batch_now(issuer, principal, batch_id)

    step.__doc__ = doc
    step.__name__ = path.replace("/", "_")
    # Named like a method of the controller: litestar orders a controller's routes (and the document its paths)
    # by the qualified name.
    step.__qualname__ = f"BatchController.{step.__name__}"
    route = post(
        f"/{{batch_id:int}}/{path}",
        status_code=200,
        signature_namespace={"Body": body},
        # every step takes a reason (a review's only to return the batch)
        **documented(operation_id, summary, errors=errors, answers=_THE_BATCH, error_examples={400: REASON_REQUIRED}),
    )
    return route(step)


def _on_rows(change: RowsStep) -> StepAction[RowsRequest]:
    """The rows and the reason of ``{"rows": [...], "reason": …}`` through ``change``."""

    async def act(issuer: IssuerRuntime, principal: Principal, batch_id: int, data: RowsRequest) -> None:
        await change(issuer.database, principal, batch_id, data.rows, data.reason)

    return act


def _review(change: ReviewStep) -> StepAction[ReviewRequest]:
    """The decision and the reason of ``{"decision": "approve"|"reject", "reason": …}`` through ``change``."""

    async def act(issuer: IssuerRuntime, principal: Principal, batch_id: int, data: ReviewRequest) -> None:
        await change(issuer.database, principal, batch_id, data.decision, data.reason, profile=issuer.profile)

    return act


async def _resolve(issuer: IssuerRuntime, principal: Principal, batch_id: int, data: ResolveRequest) -> None:
    await transitions.resolve_objection(
        issuer.database, principal, batch_id, rows=data.rows, decision=data.decision, reason=data.reason
    )


class BatchController(Controller):
    path = "/v1/batches"
    tags = ("batches",)

    @post(
        "/",
        status_code=201,
        **documented(
            "submitBatch",
            "上传成绩文件，建立批次 / upload a results file as a new batch",
            form=SUBMIT_FORM,
            errors=(400, 401, 403, 404, 409, 413, 415, 422),
            answers={
                201: ok(
                    ImportAnswer, "批次已建立，列出全部问题行 / the batch, with every bad row", examples.IMPORT_ANSWER
                )
            },
            error_examples={
                404: (
                    "机构不存在或不是本机构 / no such institution, or not the token's",
                    "机构 X 不存在 / no institution X",
                ),
                409: (
                    "此文件已建立未退回的批次（重试、重复提交）/ this file already made a batch not returned (a retry)",
                    str(SameUploadError(42)),
                    {"code": SameUploadError.code},
                ),
            },
        ),
    )
    async def submit(self, *, request: Request[Any, Any, Any], issuer: Runtime, principal: Caller) -> ImportAnswer:
        """Upload a results file (multipart: file, institution, kind, assessed_on) as a new batch; the same
        file again for the same institution, kind and date while its batch is not returned is a 409 naming
        that batch (a retry after a timeout makes no second batch)."""
        form = await read_form(request, max_bytes=issuer.settings.issuing.max_upload_bytes, fields=SUBMIT_FIELDS)
        imported = await submit_form(issuer, principal, form)
        return await reports.import_answer(issuer.database, issuer.profile, imported)

    @get(
        "/",
        **documented(
            "listBatches",
            "本令牌可见的批次（新的在前）/ the batches the token may see, newest first",
            errors=(400, 401, 403, 404),
            answers={200: ok(BatchList, "一页批次 / a page of batches", examples.BATCH_LIST)},
            error_examples={
                403: (
                    "institution 为本中心地区以外的机构 / institution names one outside the city centre's region",
                    "查看批次：市州鉴定中心只能处理本地区机构的记录（机构所在地 430202） / view a batch: a city "
                    "centre acts only on records of institutions in its region (institution in 430202, centre "
                    "430100 in 430102)",
                ),
                404: (
                    "institution 不存在，或（机构令牌）不是本机构 / institution is unknown, or (an institution's "
                    "token) not its own",
                    "鉴定机构 43022001 不存在 / no institution 43022001",
                ),
            },
        ),
    )
    async def index(
        self,
        *,
        issuer: Runtime,
        principal: Caller,
        batch_state: Annotated[State | None, QueryParameter(name="state")] = None,
        institution: FromQuery[str | None] = None,
        offset: Offset = 0,
        limit: Limit = reports.DEFAULT_PAGE,
    ) -> BatchList:
        """Batches the principal may see, newest first."""
        if institution is not None:
            check_text(institution, field="institution")
        return await reports.list_batches(
            issuer.database, principal, state=batch_state, institution=institution, offset=offset, limit=limit
        )

    @get_and_head(  # public: answers HEAD as every public GET does (docs/verify.md)
        "/template.xlsx",
        media_type=XLSX,
        **documented(
            "getBatchTemplate",
            "成绩文件模板（公开）/ the results template (public)",
            errors=(400,),
            answers={200: ResponseSpec(bytes, description="XLSX 模板 / the XLSX template", media_type=XLSX)},
            bearer=False,
        ),
    )
    async def template(self, kind: FromQuery[CertificateKind] = CertificateKind.SKILL_LEVEL) -> Response[bytes]:
        """The results template (public): headers in Chinese and English, the ID column as text."""
        return Response(
            build_template(kind),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="certreg-{kind.value}-template.xlsx"'},
        )

    @get(
        "/{batch_id:int}",
        **documented(
            "getBatch",
            "批次详情：状态、计数、一页行报告与历史 / a batch: state, counts, a page of its rows, its history",
            errors=(400, 401, 403, 404),
            answers={200: ok(BatchDetail, "批次 / the batch", examples.BATCH_DETAIL)},
        ),
    )
    async def show(
        self,
        *,
        batch_id: BatchId,
        issuer: Runtime,
        principal: Caller,
        status: FromQuery[RowStatus | None] = None,
        offset: Offset = 0,
        limit: Limit = reports.DEFAULT_PAGE,
    ) -> BatchDetail:
        """State, counts, a page of the row report (``status``, ``offset``, ``limit``) and the history."""
        return await reports.batch_detail(
            issuer.database, issuer.profile, principal, batch_id, status=status, offset=offset, limit=limit
        )

    @post(
        "/{batch_id:int}/resubmit",
        status_code=200,
        **documented(
            "resubmitBatch",
            "以更正后的文件替换批次的行 / replace a batch's rows by a corrected file",
            form=RESUBMIT_FORM,
            errors=(400, 401, 403, 404, 409, 413, 415, 422),
            answers={200: ok(ImportAnswer, "批次与全部问题行 / the batch, with every bad row", examples.IMPORT_ANSWER)},
        ),
    )
    async def resubmit(
        self, *, batch_id: BatchId, request: Request[Any, Any, Any], issuer: Runtime, principal: Caller
    ) -> ImportAnswer:
        """Replace the rows of a submitted or rejected batch by a corrected file (multipart: file)."""
        form = await read_form(request, max_bytes=issuer.settings.issuing.max_upload_bytes, fields=RESUBMIT_FIELDS)
        imported = await resubmit_form(issuer, principal, batch_id, form)
        return await reports.import_answer(issuer.database, issuer.profile, imported)

    exclude = _step(
        "exclude",
        "excludeBatchRows",
        "排除已提交批次中的行 / leave rows out of a submitted batch",
        errors=_ROW_ERRORS,
        body=RowsRequest,
        act=_on_rows(submission.exclude_rows),
        doc="""Leave rows out of a submitted batch (``{"rows": [...], "reason": …}``).""",
    )
    review = _step(
        "review",
        "reviewBatch",
        "市州鉴定中心审核 / the city centre's review",
        errors=_STEP_ERRORS,
        body=ReviewRequest,
        act=_review(transitions.review_batch),
        doc="""The city centre's review: ``{"decision": "approve"|"reject", "reason": …}``.""",
    )
    approve = _step(
        "approve",
        "approveBatch",
        "省鉴定中心审批 / the province centre's approval",
        errors=_STEP_ERRORS,
        body=ReviewRequest,
        act=_review(transitions.approve_batch),
        doc="The province centre's approval (levels the profile sends to the province).",
    )

    @post(
        "/{batch_id:int}/notice",
        status_code=200,
        **documented("startBatchNotice", "开始公示 / start the public notice", errors=_STEP_ERRORS, answers=_THE_BATCH),
    )
    async def notice(
        self, *, batch_id: BatchId, issuer: Runtime, principal: Caller, data: JSONBody[NoticeRequest | None] = None
    ) -> BatchDetail:
        """Start the public notice (body optional: ``{"days": N}`` lengthens it)."""
        body = data or NoticeRequest()
        await start_notice(issuer, principal, batch_id, body.days, body.reason)
        return await _batch_now(issuer, principal, batch_id)

    objection = _step(
        "objections",
        "recordBatchObjection",
        "登记公示异议（暂扣相关行）/ record an objection (the rows are held)",
        errors=_ROW_ERRORS,
        body=RowsRequest,
        act=_on_rows(transitions.record_objection),
        doc="Record an objection during the notice: the rows are held.",
    )
    hold = _step(
        "hold",
        "holdBatchRows",
        "暂扣行，其余可签发 / hold rows so the others can be issued",
        errors=_ROW_ERRORS,
        body=RowsRequest,
        act=_on_rows(transitions.hold_rows),
        doc="""Hold rows of a batch under notice or issued (``{"rows": [...], "reason": …}``) so that the others
        can be issued; resolve them with ``/objections/resolve``.""",
    )
    resolve = _step(
        "objections/resolve",
        "resolveBatchObjection",
        "处理暂扣行：放行或排除 / resolve held rows: release or exclude",
        errors=_ROW_ERRORS,
        body=ResolveRequest,
        act=_resolve,
        doc="Resolve held rows (an objection's or a hold's): released (``release``) or excluded (``exclude``).",
    )


def batch_routes(settings: Settings) -> list[Router | type[Controller]]:
    """The batch routes (with the upload body limit) and the public notice pages."""
    router = Router(
        path="/",
        route_handlers=[BatchController],
        request_max_body_size=settings.issuing.max_upload_bytes + FORM_SLACK,
    )
    return [router, NoticeController]
