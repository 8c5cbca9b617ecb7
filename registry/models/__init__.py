"""The registry's tables (SQLAlchemy 2 typed ORM). Import models from here."""

from registry.models.access import ApiKey, ApiToken
from registry.models.artefacts import BuiltArtefact
from registry.models.base import Base
from registry.models.batches import Batch, BatchRow
from registry.models.certificates import Certificate, CertificatePrint
from registry.models.compat import SchemaCompat
from registry.models.counters import SequenceCounter
from registry.models.credentials import CertificateCredential, StatusList
from registry.models.identity import DataKeyRow, HolderIdentity
from registry.models.keys import KeyStatusChange, PublicKey
from registry.models.log import Checkpoint, Event, LogHead, MerkleNode
from registry.models.reference import (
    AbilityProject,
    Authority,
    Filing,
    FilingScope,
    FilingStatusChange,
    Institution,
    Occupation,
    Region,
)
from registry.models.staff import (
    SessionStage,
    StaffAccount,
    StaffRecoveryCode,
    StaffRoleSetting,
    StaffSession,
    StaffState,
)

__all__ = [
    "AbilityProject",
    "ApiKey",
    "ApiToken",
    "Authority",
    "Base",
    "Batch",
    "BatchRow",
    "BuiltArtefact",
    "Certificate",
    "CertificateCredential",
    "CertificatePrint",
    "Checkpoint",
    "DataKeyRow",
    "Event",
    "Filing",
    "FilingScope",
    "FilingStatusChange",
    "HolderIdentity",
    "Institution",
    "KeyStatusChange",
    "LogHead",
    "MerkleNode",
    "Occupation",
    "PublicKey",
    "Region",
    "SchemaCompat",
    "SequenceCounter",
    "SessionStage",
    "StaffAccount",
    "StaffRecoveryCode",
    "StaffRoleSetting",
    "StaffSession",
    "StaffState",
    "StatusList",
]
