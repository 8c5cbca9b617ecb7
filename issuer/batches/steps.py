"""A step of the batch workflow on one batch, as its two front ends run it: ``/v1/batches`` and the console.

Each front end reads its own request (a JSON body, a form) into the arguments of the SAME service
(:mod:`issuer.batches.submission`, :mod:`issuer.batches.transitions`); these types say what such a service
and such a reading look like, so one route factory per front end serves every step.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeAlias, TypeVar

from issuer.auth import Principal
from issuer.batches import transitions
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
