"""What the batch endpoints take and answer (msgspec Structs; ORM rows never reach a response)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final, Literal

import msgspec

from issuer.batches.problems import RowProblem
from issuer.batches.workflow import RowStatus
from issuer.text_checks import Reason

#: Row numbers as the file shows them; ``batch_row.row_no`` is a 32-bit column.
RowNumbers = Annotated[
    list[Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]], msgspec.Meta(min_length=1, max_length=100_000)
]


class ReviewRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``POST /v1/batches/{id}/review`` and ``/approve``; a rejection needs a reason."""

    decision: Literal["approve", "reject"]
    reason: Reason = ""


class RowsRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``/exclude``, ``/objections`` and ``/hold``: the file's row numbers and why (required)."""

    rows: RowNumbers
    reason: Reason


class ResolveRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``/objections/resolve``: release held rows (an objection's or a hold's) back to ``ok`` or exclude
    them, and why."""

    rows: RowNumbers
    decision: Literal["release", "exclude"]
    reason: Reason


#: The longest notice a request may ask for: a year (docs/rules.md rule 8). A notice cannot be shortened once
#: started, so a typo (999 for 9) must be refused rather than hold a batch for years; the console holds to it too.
MAX_NOTICE_DAYS: Final = 365


class NoticeRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """``/notice``: ``days`` may lengthen the notice past the minimum, never shorten it."""

    days: Annotated[int, msgspec.Meta(ge=0, le=MAX_NOTICE_DAYS)] | None = None
    reason: Reason = ""


class Counts(msgspec.Struct, frozen=True):
    total: int
    ok: int
    bad: int
    excluded: int
    held: int
    issued: int

    @classmethod
    def of(cls, counts: dict[str, int]) -> Counts:
        return cls(
            total=sum(counts.values()),
            ok=counts.get(RowStatus.OK, 0),
            bad=counts.get(RowStatus.BAD, 0),
            excluded=counts.get(RowStatus.EXCLUDED, 0),
            held=counts.get(RowStatus.HELD, 0),
            issued=counts.get(RowStatus.ISSUED, 0),
        )


class BatchSummary(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    institution_code: str
    institution_name: str
    kind: str
    assessed_on: date
    state: str
    state_zh: str
    counts: Counts
    file_name: str
    submitted_by: str
    created_at: datetime
    authority_code: str | None
    notice_starts_at: datetime | None
    notice_ends_at: datetime | None
    issued_at: datetime | None


class RowReport(msgspec.Struct, frozen=True, kw_only=True):
    row: int
    status: str
    holder_name: str
    holder_id_masked: str
    subject_code: str
    level: int
    problems: list[RowProblem]
    certificate_number: str | None = None
    #: The serial of the certificate's valid print (印制流水码, never part of the number).
    print_serial: str | None = None


class RowPage(msgspec.Struct, frozen=True, kw_only=True):
    total: int
    offset: int
    limit: int
    status: str | None
    items: list[RowReport]


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    index: int
    kind: str
    at: datetime
    actor: str
    reason: str
    details: dict[str, Any]


class BatchDetail(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /v1/batches/{id}``: the batch, what it needs next, one page of its rows, its history."""

    batch: BatchSummary
    province_approval_needed: bool
    next_step: str
    rows: RowPage
    history: list[HistoryEntry]
    #: The columns the batch's last upload did not read (a clerk's 考核成绩 typed into a column the template
    #: does not have): headers as its event records them (``issuer.batches.events.ignored_details``: a
    #: document number masked, at most 40 characters, the first 50), and how many there were.
    ignored_columns: list[str] = msgspec.field(default_factory=list)
    ignored_count: int = 0


class ImportAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /v1/batches`` and ``/resubmit``: the batch and **every** bad row with its problems."""

    batch: BatchSummary
    next_step: str
    bad_rows: list[RowReport]
    ignored_columns: list[str]
    sheet: str


class BatchList(msgspec.Struct, frozen=True, kw_only=True):
    items: list[BatchSummary]
    offset: int
    limit: int
