"""A small world for the credential tests: keys of two authorities in every life state, and certificates.

Authority ``430000`` (the province centre): an active statement key, a retired one (2025) and a log key.
Authority ``430100`` (Changsha): an active statement key and one compromised on 2026-02-10 10:00 UTC+8.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from keys.keyset import KeySet, KeyStatus, PublicKeyInfo, Purpose
from keys.signing import SigningKey
from registry.credentials.credential import CertificatePublicView
from registry.credentials.status_list import status_position
from registry.vocab import CertificateKind
from tests.unit.keys.factory import make_info

PUBLIC_URL = "https://zs.example.cn"
CST = timezone(timedelta(hours=8))
PROVINCE, CITY = "430000", "430100"
SALT = "5a" * 16


def _key(seed: int) -> SigningKey:
    return SigningKey.from_seed(bytes([seed]) * 32)


ACTIVE, RETIRED, LOG, CITY_ACTIVE, COMPROMISED = (_key(n) for n in (1, 2, 3, 4, 5))
COMPROMISED_AT = datetime(2026, 2, 10, 10, 0, tzinfo=CST)
RETIRED_AT = datetime(2025, 12, 31, 12, 0, tzinfo=UTC)


def info(
    key: SigningKey,
    authority: str,
    *,
    purpose: Purpose = "statement",
    valid_from: datetime,
    valid_to: datetime | None = None,
    compromised_at: datetime | None = None,
    scope: str | None = None,
) -> PublicKeyInfo:
    """The key set entry of ``key``; its status follows from the dates given."""
    status = KeyStatus.COMPROMISED if compromised_at else KeyStatus.RETIRED if valid_to else KeyStatus.ACTIVE
    return make_info(
        key,
        authority=authority,
        purpose=purpose,
        valid_from=valid_from,
        valid_to=valid_to,
        status=status,
        compromised_at=compromised_at,
        compromise_scope=scope,
    )


ACTIVE_INFO = info(ACTIVE, PROVINCE, valid_from=RETIRED_AT)
RETIRED_INFO = info(RETIRED, PROVINCE, valid_from=datetime(2025, 1, 1, tzinfo=UTC), valid_to=RETIRED_AT)
LOG_INFO = info(LOG, PROVINCE, purpose="log", valid_from=datetime(2025, 1, 1, tzinfo=UTC))
CITY_INFO = info(CITY_ACTIVE, CITY, valid_from=datetime(2026, 2, 11, tzinfo=UTC))
COMPROMISED_INFO = info(
    COMPROMISED, CITY, valid_from=datetime(2025, 6, 1, tzinfo=UTC), compromised_at=COMPROMISED_AT, scope="after"
)
KEYSET = KeySet(keys=(RETIRED_INFO, LOG_INFO, ACTIVE_INFO, COMPROMISED_INFO, CITY_INFO))


def view(
    *,
    number: str = "4300012026000001",
    kind: CertificateKind = CertificateKind.SKILL_LEVEL,
    level: int = 3,
    authority: str = PROVINCE,
    issued_on: date = date(2026, 3, 2),
    sequence_value: int = 5,
    holder_name: str = "张三",
) -> CertificatePublicView:
    """A certificate's public view (defaults: a level-3 electrician of the province centre)."""
    special = kind is CertificateKind.SPECIAL_ABILITY
    return CertificatePublicView(
        number=number,
        kind=kind,
        holder_name=holder_name,
        subject_type="project" if special else "occupation",
        subject_code="S430001" if special else "6-31-01-03",
        subject_name="湘绣制作" if special else "电工",
        level=0 if special else level,
        institution_code="S4301001",
        institution_name="长沙市第一职业技能鉴定站",
        authority_code=authority,
        authority_name="湖南省职业技能鉴定中心" if authority == PROVINCE else "长沙市职业技能鉴定中心",
        issued_on=issued_on,
        status=status_position(sequence_value),
    )


def at(day: date, hour: int = 10) -> datetime:
    """A signing time on ``day`` (China Standard Time)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


def tree(value: object) -> Any:
    """A JSON tree typed loosely, so tests can index into it (the code under test types it strictly)."""
    return value
