"""A step of the batch workflow on one batch, as its two front ends run it: ``/v1/batches`` and the console.

Each front end reads its own request (a JSON body, a form) into the arguments of the SAME service
(:mod:`issuer.batches.submission`, :mod:`issuer.batches.transitions`); these types say what such a service
and such a reading look like, so one route factory per front end serves every step. An upload (a new batch,
a corrected file) is read by each front end into the same :class:`Form`, which :func:`submit_form` and
:func:`resubmit_form` hand to the service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeAlias, TypeVar

from issuer.auth import Principal
from issuer.batches import submission, transitions
from issuer.batches.upload import Form, upload_of
from issuer.runtime import IssuerRuntime
from registry.db import Database
from registry.rules.policy import ProvinceProfile

Given = TypeVar("Given")
#: What a step does with what its request says (a JSON body, a form's fields): the service call, by the
#: caller on batch ``batch_id``.
StepAction: TypeAlias = Callable[[IssuerRuntime, Principal, int, Given], Awaitable[None]]
#: A step on some rows of a batch with a reason (:func:`submission.exclude_rows`, :func:`transitions.hold_rows`…).
RowsStep: TypeAlias = Callable[[Database, Principal, int, list[int], str], Awaitable[None]]


class ReviewStep(Protocol):
    """A review of a batch: approve, or return with a reason (:func:`transitions.review_batch`, ``approve_batch``)."""

    def __call__(
        self,
        database: Database,
        caller: Principal,
        batch_id: int,
        decision: transitions.Decision,
        reason: str,
        *,
        profile: ProvinceProfile,
    ) -> Awaitable[None]: ...


async def submit_form(issuer: IssuerRuntime, caller: Principal, form: Form) -> submission.Imported:
    """A results file and its form fields as a new batch (:func:`submission.submit_batch`)."""
    return await submission.submit_batch(
        issuer.database, issuer.settings, caller, upload_of(form), profile=issuer.profile
    )


async def resubmit_form(issuer: IssuerRuntime, caller: Principal, batch_id: int, form: Form) -> submission.Imported:
    """A corrected results file in place of batch ``batch_id``'s rows (:func:`submission.resubmit_batch`)."""
    return await submission.resubmit_batch(
        issuer.database,
        issuer.settings,
        caller,
        batch_id,
        data=form.data,
        file_name=form.file_name,
        profile=issuer.profile,
    )


async def start_notice(issuer: IssuerRuntime, caller: Principal, batch_id: int, days: int | None, reason: str) -> None:
    """The public notice of batch ``batch_id``: ``days`` may lengthen the setting's, never shorten it
    (:func:`transitions.start_notice`)."""
    await transitions.start_notice(
        issuer.database,
        caller,
        batch_id,
        profile=issuer.profile,
        notice_setting=issuer.settings.issuing.notice_days,
        days=days,
        reason=reason,
    )
