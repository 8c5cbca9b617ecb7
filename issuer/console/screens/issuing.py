"""Console screens of issuing: issue a batch (with a progress page for large ones) and the certificate export
(the batch's files are :mod:`.downloads`).

Issuing calls :func:`issuer.issuing.service.issue_batch` exactly as ``POST /v1/batches/{id}/issue`` does,
in a task of this process so that a batch of 100,000 rows does not hold the browser's request: the POST
waits until the checks are past (a refusal — policy, duties, state, ineligible rows — is answered on the
spot, with the API's status and message) or the run ends, then sends the browser to the progress page,
which refreshes itself every second (a ``<meta http-equiv=refresh>``, no script) until the run is done.
Progress lives in this process only; a page served by another worker reads the batch's state instead.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.response import Redirect, Stream

from issuer.auth import Principal
from issuer.auth.policy import Action, authorise
from issuer.batches import reports
from issuer.batches.dto import BatchSummary
from issuer.batches.workflow import State
from issuer.checkpoints import publish_after_batch
from issuer.console.screens import forms
from issuer.console.screens.batches import batch_url
from issuer.console.screens.render import render
from issuer.injected import Caller, Runtime
from issuer.issuing.credentials import CredentialContext
from issuer.issuing.exports import export_lines
from issuer.issuing.service import DEFAULT_ISSUE_REASON, IssueResult, issue_batch
from issuer.params import BatchId
from issuer.runtime import IssuerRuntime

#: How long the POST waits for the checks before it hands over to the progress page.
CHECK_WAIT_SECONDS: Final = 10.0
#: Finished runs kept for their progress page (the oldest go first).
KEEP_RUNS: Final = 64


class IssueRun:
    """One issue call running in this process: its stage (``check``, ``sign``, ``store``, ``done``), rows
    done of total, and its outcome (a result or the error the API would have answered)."""

    def __init__(self, batch_id: int, actor: str) -> None:
        self.batch_id = batch_id
        self.actor = actor
        self.stage = "start"
        self.done = 0
        self.total = 0
        self.result: IssueResult | None = None
        self.error: Exception | None = None
        self.task: asyncio.Task[None] | None = None
        #: Set once the checks are past or the run ended (called on the event loop: issue_batch reports there).
        self.checked = asyncio.Event()

    def progress(self, stage: str, done: int, total: int) -> None:
        self.stage, self.done, self.total = stage, done, total
        if self.past_checks:
            self.checked.set()

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    @property
    def past_checks(self) -> bool:
        return self.stage in ("sign", "store", "done")

    @property
    def percent(self) -> int:
        return 100 if self.stage == "done" else int(100 * self.done / self.total) if self.total else 0


_RUNS: dict[int, IssueRun] = {}


def _keep(run: IssueRun) -> None:
    _RUNS[run.batch_id] = run
    for batch_id in [b for b, r in _RUNS.items() if not r.running][: max(0, len(_RUNS) - KEEP_RUNS)]:
        del _RUNS[batch_id]


async def _issue(run: IssueRun, issuer: IssuerRuntime, principal: Principal, reason: str) -> None:
    try:
        run.result = await issue_batch(
            issuer.database,
            issuer.keystore,
            issuer.profile,
            run.batch_id,
            caller=principal,
            announce=issuer.announce,
            reason=reason,
            progress=run.progress,
            credentials=CredentialContext.of(issuer.settings, issuer.keystore),
        )
        if run.result.issued_now:
            await publish_after_batch(issuer.database, issuer.keystore, issuer.settings)
    except Exception as exc:  # noqa: BLE001 - kept for the progress page, which raises it to the error table
        run.error = exc
    finally:
        run.checked.set()


@post("/batches/{batch_id:int}/issue")
async def issue(*, request: Request[Any, Any, Any], batch_id: BatchId, issuer: Runtime, staff: Caller) -> Redirect:
    """Issue the batch's ready rows; refusals are answered here, then the progress page takes over."""
    fields = await forms.form_fields(request)
    reason = forms.reason(fields, required=False) or DEFAULT_ISSUE_REASON
    run = _RUNS.get(batch_id)
    if run is None or not run.running:
        run = IssueRun(batch_id, staff.actor)
        run.task = asyncio.create_task(_issue(run, issuer, staff, reason))
        _keep(run)
        with contextlib.suppress(TimeoutError):  # still checking: the progress page follows it
            await asyncio.wait_for(run.checked.wait(), CHECK_WAIT_SECONDS)
        if run.error is not None:
            del _RUNS[batch_id]
            raise run.error
    return Redirect(path=f"{batch_url(batch_id)}/issuing", status_code=303)


def _maybe_issuing_elsewhere(batch: BatchSummary) -> bool:
    """No run in this process: another worker may be issuing the batch, which only a batch whose notice has
    ended can be (rule 8). A notice still running is not "issuing": a page that said so and refreshed itself
    for a week would hide that the issue was refused."""
    ends = batch.notice_ends_at
    return batch.state == State.UNDER_NOTICE and ends is not None and ends <= datetime.now(UTC)


@get("/batches/{batch_id:int}/issuing", name="console:issuing")
async def issue_progress(
    *, request: Request[Any, Any, Any], batch_id: BatchId, issuer: Runtime, staff: Caller
) -> Response[str]:
    """Where the run is; refreshes itself while it runs. A run that failed is answered like the API."""
    detail = await reports.batch_detail(issuer.database, issuer.profile, staff, batch_id, limit=1)
    run = _RUNS.get(batch_id)
    if run is not None and run.error is not None:
        raise run.error
    running = run.running if run is not None else _maybe_issuing_elsewhere(detail.batch)
    headers = {"Refresh": "1"} if running else None
    return render(request, staff, "issuing.html", b=detail.batch, run=run, running=running, headers=headers)


@get("/exports/certificates.ndjson", media_type="application/x-ndjson")
async def export(*, issuer: Runtime, staff: Caller) -> Stream:
    """Every certificate event as NDJSON (the national export), as ``GET /v1/exports/certificates``."""
    authorise(staff, Action.EXPORT)
    disposition = 'attachment; filename="certificates.ndjson"'
    return Stream(
        export_lines(issuer.database, 0),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": disposition},
    )


ISSUING_SCREENS: Final = [issue, issue_progress, export]
