"""Console screens of the batch workflow: the lists by state, the review queues, upload and the row report,
and every step of a batch (resubmit, exclude, review, approve, notice, objections, holds).

Each handler parses its form and calls the SAME service as ``/v1/batches`` (:mod:`issuer.batches.submission`,
:mod:`issuer.batches.transitions`, :mod:`issuer.batches.reports`) with the signed-in principal: the policy,
separation of duties and every rule are theirs, and a refusal becomes the API's status and message
(:mod:`issuer.console.screens.errors`). A done step answers 303 back to the batch's page.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect

from issuer.auth import Principal
from issuer.auth.policy import POLICY, Action, authorise
from issuer.batches import reports, submission, transitions
from issuer.batches.dto import MAX_NOTICE_DAYS
from issuer.batches.errors import SameUploadError
from issuer.batches.steps import (
    ReviewStep,
    RowsStep,
    StepAction,
    resubmit_form,
    start_notice,
    submit_form,
)
from issuer.batches.upload import (
    FORM_SLACK,
    RESUBMIT_FIELDS,
    SUBMIT_FIELDS,
    Form,
    read_form,
)
from issuer.batches.workflow import RowStatus, State
from issuer.console.screens import forms
from issuer.console.screens.render import render
from issuer.errors import InvalidInputError
from issuer.injected import Caller, Runtime
from issuer.params import BatchId, Offset
from issuer.runtime import IssuerRuntime
from registry.vocab import CertificateKind

PAGE: Final = 50
#: The actions a batch's page offers a form or a link for, each shown only when the policy allows it on that
#: batch (its institution, region and kind).
BATCH_ACTIONS: Final = (
    Action.RESUBMIT, Action.EXCLUDE, Action.REVIEW, Action.APPROVE, Action.NOTICE, Action.OBJECT, Action.HOLD,
    Action.RESOLVE, Action.ISSUE, Action.CERTIFICATES, Action.DOCUMENTS, Action.EXPORT,
)  # fmt: skip
#: Which state each review queue shows (rule 7: the city first, then the province).
QUEUES: Final = {"city": State.SUBMITTED, "province": State.CITY_REVIEWED}
CSRF_FIELD: Final = ("_csrf",)
#: What an upload route reads at most, whatever the setting: the console's CSRF check parses the form
#: before the handler runs, so the cap must hold without the settings (which the route table is built
#: without). ``read_form`` then holds the body to ``CERTREG_MAX_UPLOAD_BYTES`` (20 MB by default); a
#: setting above this cap is honoured by ``/v1/batches`` only.
UPLOAD_BODY_CAP: Final = 100 * 1024 * 1024 + FORM_SLACK


def batch_url(batch_id: int) -> str:
    return f"/console/batches/{batch_id}"


def back_to(batch_id: int, done: str, rows: list[int] | None = None) -> Redirect:
    """Back to the batch's page, which says what was ``done`` (a key of :data:`DONE`), on which ``rows``."""
    query = {"done": done, **({"rows": row_ranges(rows)} if rows else {})}
    return Redirect(path=f"{batch_url(batch_id)}?{urlencode(query)}", status_code=303)


#: What the batch's page says after a step (``?done=``): (Chinese, English); ``{rows}`` the rows it was on.
DONE: Final = {
    "upload": ("文件已导入本批次，见下方行报告", "the file was imported as this batch: see the row report below"),
    "resubmit": ("已重新提交更正后的文件", "the corrected file was resubmitted"),
    "exclude": ("已剔除行 {rows}", "{row_word} {rows} excluded"),
    "review-approve": ("市州初审通过", "city review passed"),
    "review-reject": ("已退回机构：市州初审", "returned to the institution: city review"),
    "approve-approve": ("省级复审通过", "province review passed"),
    "approve-reject": ("已退回机构：省级复审", "returned to the institution: province review"),
    "notice": ("已启动公示", "the notice started"),
    "objections": ("已登记异议，行 {rows} 暂缓发证", "objection recorded: {row_word} {rows} held"),
    "hold": ("已暂缓发证：行 {rows}", "{row_word} {rows} held"),
    "resolve-release": ("已恢复发证：行 {rows}", "{row_word} {rows} released to be issued"),
    "resolve-exclude": ("已剔除行 {rows}", "{row_word} {rows} excluded"),
}
#: The rows a confirmation names, as :func:`row_ranges` writes them (anything else in the URL is not shown).
_SHOWN_ROWS: Final = re.compile(r"\d{1,10}(?:-\d{1,10})?(?:, \d{1,10}(?:-\d{1,10})?)*(?:, …)?")
_SHOWN_ROWS_MAX: Final = 80


def row_ranges(rows: list[int]) -> str:
    """``[3, 5, 6, 7]`` → ``"3, 5-7"`` (the way the forms take them), cut with "…" past a line."""
    parts: list[str] = []
    start = previous = rows[0]
    for row in [*rows[1:], None]:
        if row is not None and row == previous + 1:
            previous = row
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if row is not None:
            start = previous = row
    shown = ", ".join(parts)
    if len(shown) > _SHOWN_ROWS_MAX:
        shown = shown[: shown.rfind(", ", 0, _SHOWN_ROWS_MAX)] + ", …"
    return shown


def done_message(done: str | None, rows: str | None) -> str | None:
    """The confirmation of the step ``done`` on ``rows``, Chinese / English as every message of the console
    (both from the URL: a step not in :data:`DONE`, or on rows not as :func:`row_ranges` writes them, shows
    nothing)."""
    shown = rows if rows and _SHOWN_ROWS.fullmatch(rows) else ""
    if done not in DONE or ("{rows}" in DONE[done][0] and not shown):
        return None
    zh, en = (text.format(rows=shown, row_word="row" if shown.isdigit() else "rows") for text in DONE[done])
    return f"{zh} / {en}"


async def _upload_form(request: Request[Any, Any, Any], issuer: IssuerRuntime, fields: tuple[str, ...]) -> Form:
    """The multipart form within ``CERTREG_MAX_UPLOAD_BYTES`` (:func:`read_form`; the hidden ``_csrf`` field
    besides the upload's own)."""
    return await read_form(request, max_bytes=issuer.settings.issuing.max_upload_bytes, fields=(*fields, *CSRF_FIELD))


@get("/batches", name="console:batches")
async def batch_list(
    *,
    request: Request[Any, Any, Any],
    issuer: Runtime,
    staff: Caller,
    batch_state: Annotated[State | None, QueryParameter(name="state")] = None,
    offset: Offset = 0,
) -> Response[str]:
    """The organisation's batches by state, with how many are in each state."""
    counts = await reports.batch_state_counts(issuer.database, staff)
    listed = await reports.list_batches(issuer.database, staff, state=batch_state, offset=offset, limit=PAGE)
    return render(
        request, staff, "batches.html", counts=counts, listed=listed, current=batch_state, page=PAGE, queue=None
    )


@get("/queue/{which:str}", name="console:queue")
async def review_queue(
    *, request: Request[Any, Any, Any], which: FromPath[str], issuer: Runtime, staff: Caller, offset: Offset = 0
) -> Response[str]:
    """The city's (``submitted``) or the province's (``city_reviewed``) review queue."""
    state = QUEUES.get(which)
    if state is None:
        raise InvalidInputError(
            "审核队列只有 city 与 province / the queues are city and province", field="queue", code="form.queue"
        )
    counts = await reports.batch_state_counts(issuer.database, staff)
    listed = await reports.list_batches(issuer.database, staff, state=state, offset=offset, limit=PAGE)
    return render(request, staff, "batches.html", counts=counts, listed=listed, current=state, page=PAGE, queue=which)


@get("/batches/new", name="console:upload")
async def upload_form(*, request: Request[Any, Any, Any], staff: Caller) -> Response[str]:
    """Upload a results file: institution, kind, assessment date, the file; the templates to download. A role
    that never uploads gets the refusal its upload would get, before it fills the form in."""
    if staff.role not in POLICY[Action.SUBMIT]:
        authorise(staff, Action.SUBMIT)
    return render(request, staff, "upload.html", kinds=list(CertificateKind))


@post("/batches/new", request_max_body_size=UPLOAD_BODY_CAP)
async def upload(*, request: Request[Any, Any, Any], issuer: Runtime, staff: Caller) -> Redirect:
    """The upload, through :func:`submission.submit_batch`; on to the batch's row report."""
    form = await _upload_form(request, issuer, SUBMIT_FIELDS)
    try:
        imported = await submit_form(issuer, staff, form)
    except SameUploadError as sent:  # sent twice: the batch the first made, which says so (the API's 409)
        return Redirect(path=f"{batch_url(sent.batch_id)}?again=1", status_code=303)
    return imported_to(imported, "upload")


def imported_to(imported: submission.Imported, done: str) -> Redirect:
    """After an upload or a resubmission: the batch's page, which says so, on the bad rows if there are
    any (to be put right), else on every row (a clean file is not an empty "bad" tab)."""
    bad = any(row.problems for row in imported.rows)
    query = urlencode({**({"status": RowStatus.BAD.value} if bad else {}), "done": done})
    return Redirect(path=f"{batch_url(imported.batch_id)}?{query}", status_code=303)


@get("/batches/{batch_id:int}", name="console:batch")
async def batch_page(
    *,
    request: Request[Any, Any, Any],
    batch_id: BatchId,
    issuer: Runtime,
    staff: Caller,
    status: FromQuery[RowStatus | None] = None,
    offset: Offset = 0,
    again: FromQuery[bool] = False,
    done: FromQuery[str | None] = None,
    rows: FromQuery[str | None] = None,
) -> Response[str]:
    """The batch: state, counts, what it waits for, the actions of this role, a page of the row report (row,
    column, rule, message) and the history; ``again``: its file was just uploaded a second time; ``done``
    (and ``rows``): the step just done on it, said at the top."""
    detail = await reports.batch_detail(
        issuer.database, issuer.profile, staff, batch_id, status=status, offset=offset, limit=PAGE
    )
    may = await reports.permitted_batch_actions(issuer.database, staff, batch_id, BATCH_ACTIONS)
    return render(
        request,
        staff,
        "batch.html",
        may={action.value for action in may},
        detail=detail,
        b=detail.batch,
        status=status,
        statuses=list(RowStatus),
        page=PAGE,
        again=again,
        done=done_message(done, rows),
    )


@post("/batches/{batch_id:int}/resubmit", request_max_body_size=UPLOAD_BODY_CAP)
async def resubmit(*, request: Request[Any, Any, Any], batch_id: BatchId, issuer: Runtime, staff: Caller) -> Redirect:
    form = await _upload_form(request, issuer, RESUBMIT_FIELDS)
    return imported_to(await resubmit_form(issuer, staff, batch_id, form), "resubmit")


#: What a step on a batch does with its form's fields: the service call, by ``staff`` on batch ``batch_id``.
FormStep = StepAction[dict[str, str]]


def _batch_step(name: str, step: str, act: FormStep, doc: str | None = None) -> HTTPRouteHandler:
    """The POST of ``/batches/{batch_id}/<step>``: its form's fields through ``act``, then back to the batch,
    whose page says what was done (the decision taken, the rows it was on)."""

    async def screen(*, request: Request[Any, Any, Any], batch_id: BatchId, issuer: Runtime, staff: Caller) -> Redirect:
        fields = await forms.form_fields(request)
        await act(issuer, staff, batch_id, fields)
        decided = f"{step}-{fields['decision']}" if f"{step}-{fields.get('decision')}" in DONE else step
        return back_to(batch_id, decided, forms.row_numbers(fields) if "rows" in fields else None)

    screen.__doc__ = doc
    screen.__name__ = screen.__qualname__ = name
    return post(f"/batches/{{batch_id:int}}/{step}")(screen)


def _on_rows(step: RowsStep) -> FormStep:
    """The rows typed (``"3, 5-7"``) and the reason (required) through ``step``."""

    async def act(issuer: IssuerRuntime, staff: Principal, batch_id: int, fields: dict[str, str]) -> None:
        await step(issuer.database, staff, batch_id, forms.row_numbers(fields), forms.reason(fields))

    return act


def _review(step: ReviewStep) -> FormStep:
    """The decision (approve or return) and the reason (required to return) through ``step``."""

    async def act(issuer: IssuerRuntime, staff: Principal, batch_id: int, fields: dict[str, str]) -> None:
        decision = forms.review_decision(fields)
        reason = forms.reason(fields, required=False)
        await step(issuer.database, staff, batch_id, decision, reason, profile=issuer.profile)

    return act


async def _notice(issuer: IssuerRuntime, staff: Principal, batch_id: int, fields: dict[str, str]) -> None:
    days_text = unicodedata.normalize("NFKC", forms.text(fields, "days", required=False, max_length=3))  # ３ → 3
    if days_text and not (days_text.isascii() and days_text.isdigit() and int(days_text) <= MAX_NOTICE_DAYS):
        raise InvalidInputError(
            f"公示天数须为 0 至 {MAX_NOTICE_DAYS} 的整数 / the notice days must be a whole number from 0 to "
            f"{MAX_NOTICE_DAYS}",
            field="days",
            code="form.days",
        )
    days = int(days_text) if days_text else None
    await start_notice(issuer, staff, batch_id, days, forms.reason(fields, required=False))


async def _resolve(issuer: IssuerRuntime, staff: Principal, batch_id: int, fields: dict[str, str]) -> None:
    rows, reason = forms.row_numbers(fields), forms.reason(fields)
    decision = forms.resolve_decision(fields)
    await transitions.resolve_objection(issuer.database, staff, batch_id, rows=rows, decision=decision, reason=reason)


exclude = _batch_step("exclude", "exclude", _on_rows(submission.exclude_rows))
review = _batch_step(
    "review", "review", _review(transitions.review_batch), "The city's review: approve, or return with a reason."
)
approve = _batch_step(
    "approve", "approve", _review(transitions.approve_batch), "The province's review: approve, or return with a reason."
)
notice = _batch_step(
    "notice", "notice", _notice, "Start the public notice (an optional number of days lengthens it, never shortens it)."
)
objection = _batch_step(
    "objection",
    "objections",
    _on_rows(transitions.record_objection),
    "Record an objection during the notice: its rows are held.",
)
hold = _batch_step("hold", "hold", _on_rows(transitions.hold_rows))
resolve = _batch_step("resolve", "resolve", _resolve, "Resolve held rows: released back to ``ok`` or excluded.")


BATCH_SCREENS: Final = [
    batch_list,
    review_queue,
    upload_form,
    upload,
    batch_page,
    resubmit,
    exclude,
    review,
    approve,
    notice,
    objection,
    hold,
    resolve,
]
