"""What an audit reports: each discrepancy with its kind and the record it concerns (pure)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

import msgspec

from registry.log.monitor import SeenCheckpoint


class Finding(StrEnum):
    """Kinds of discrepancy between the registry's rows, its log and its signed checkpoints."""

    CERTIFICATE_CHANGED = "certificate.changed"  # a row differs from its signed statement or its issue event
    CERTIFICATE_DELETED = "certificate.deleted"  # an issue event whose certificate row is gone
    CERTIFICATE_UNLOGGED = "certificate.unlogged"  # a row added without its own issue event
    CERTIFICATE_BAD_SIGNATURE = "certificate.bad_signature"  # the statement's signature does not verify
    CERTIFICATE_DANGLING = "certificate.dangling_reference"  # names an institution/authority/batch/key that is gone
    CERTIFICATE_BACKDATED = "certificate.backdated"  # its issue date is not the day it entered the log
    EVENT_CHANGED = "event.changed"  # a leaf's bytes, hash or columns were altered
    EVENT_DELETED = "event.deleted"  # a hole in the leaf indices
    LOG_TRUNCATED = "log.truncated"  # fewer leaves than log_head or a signed checkpoint says
    TREE_CHANGED = "tree.changed"  # a stored Merkle node the events do not give
    CHECKPOINT_FORK = "checkpoint.fork"  # a signed checkpoint the current log is not consistent with
    CHECKPOINT_BAD_SIGNATURE = "checkpoint.bad_signature"  # a checkpoint no log key signed as stored
    CHECKPOINT_DELETED = "checkpoint.deleted"  # a checkpoint an earlier audit saw is no longer stored
    LOG_REWRITTEN = "log.rewritten"  # the leaf range in which the log stopped giving its signed roots
    KEY_UNLOGGED = "key.unlogged"  # a public key row with no key.created event
    KEY_CHANGED = "key.changed"  # a key's row or status history differs from its key.* events (or is malformed)
    KEY_DELETED = "key.deleted"  # a logged key whose row is gone
    FILING_UNLOGGED = "filing.unlogged"  # a filing row with no filing.created event
    FILING_CHANGED = "filing.changed"  # a filing's row, scope or status history differs from its filing.* events
    FILING_DELETED = "filing.deleted"  # a logged filing whose row is gone
    PRINT_UNLOGGED = "print.unlogged"  # a print row without its own event (issue or reprint)
    PRINT_CHANGED = "print.changed"  # a print row that differs from its event, or out of its certificate's chain
    PRINT_DELETED = "print.deleted"  # a logged print (an issue event's serial, a reprint) whose row is gone
    IDENTITY_MISMATCH = "identity.mismatch"  # a certificate linked to a sealed identity that is not its holder's
    IDENTITY_DANGLING = "identity.dangling_reference"  # a certificate linked to a sealed identity that is gone
    IDENTITY_SEALED_INVALID = "identity.sealed_invalid"  # a sealed number or photo that is no sealed value
    IDENTITY_UNKNOWN_DATA_KEY = "identity.unknown_data_key"  # sealed under a data key no data_key row holds
    IMPORT_INVALID = "certificate.import_invalid"  # an import event with no imported certificate behind it
    IDENTITY_READ_INVALID = "identity.read_invalid"  # a logged identity read no province admin could have made
    CREDENTIAL_CHANGED = "credential.changed"  # a stored W3C credential whose hash, status or key its event denies
    CREDENTIAL_BAD_PROOF = "credential.bad_proof"  # a stored credential whose proof does not verify for it
    CREDENTIAL_UNLOGGED = "credential.unlogged"  # a credential row without its own committing event
    CREDENTIAL_DELETED = "credential.deleted"  # an event commits to a credential whose row is gone
    CREDENTIAL_DANGLING = "credential.dangling_reference"  # names a certificate/authority/key that is gone
    ROW_INVALID = "row.invalid"  # a row a check reads holds a value its column's type cannot parse (SQLite)
    AUDIT_INCOMPLETE = "audit.incomplete"  # a check stopped at such a value; the others ran
    STATUS_LIST_CHANGED = "status_list.changed"  # a status list's bits (stored or signed) are not the log's statuses
    STATUS_LIST_BAD_PROOF = "status_list.bad_proof"  # a status list whose proof does not verify for it
    STATUS_LIST_DELETED = "status_list.deleted"  # a list stored credentials point into is gone


class Discrepancy(msgspec.Struct, frozen=True):
    """One problem: its ``kind``, the ``record`` (certificate number, leaf index, node, checkpoint size)
    and a bilingual ``message`` saying what differs."""

    kind: Finding
    record: str
    message: str


class AuditProgress(Protocol):
    """Where an audit reports how far it got (the CLI draws a progress bar)."""

    def stage(self, name: str, total: int) -> None: ...

    def advance(self, count: int) -> None: ...


class SilentProgress:
    """Progress that goes nowhere (tests, library use)."""

    def stage(self, name: str, total: int) -> None:
        return None

    def advance(self, count: int) -> None:
        return None


class AuditReport(msgspec.Struct, kw_only=True):
    """The outcome: what was checked and every discrepancy found (clean when there is none)."""

    leaves: int = 0
    certificates: int = 0
    prints: int = 0
    checkpoints: int = 0
    #: province admins' reads of full identities in the log (each one an ``identity.read`` event)
    identity_reads: int = 0
    #: stored W3C credentials checked against their events and proofs
    credentials: int = 0
    #: stored status lists checked against the statuses the log records and their proofs
    status_lists: int = 0
    discrepancies: list[Discrepancy] = msgspec.field(default_factory=list)
    #: stored checkpoints whose signature verified and whose root the events give: what the auditor's
    #: state file keeps, so that a later audit notices them rewritten or gone
    confirmed: list[SeenCheckpoint] = msgspec.field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.discrepancies

    def add(self, kind: Finding, record: str, message: str) -> None:
        self.discrepancies.append(Discrepancy(kind, record, message))
