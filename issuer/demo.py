"""The demo data set that ``make run`` loads: both provinces' regions, the Hunan demo catalogue,
institutions and filings, a signing key for every authority plus the province's log key, and a demo batch
issued through the real pipeline with one certificate revoked and one reissued.

Idempotent: running it again loads nothing twice, creates no second key and issues no second batch.
"""

from __future__ import annotations

import os
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Final
from urllib.parse import urlencode

import msgspec
from sqlalchemy import select

from issuer.auth import Role
from issuer.auth.operators import operator as find_operator
from issuer.batches.operator import Crew, run_issue
from issuer.batches.submission import Upload
from issuer.demo_links import demo_links_file
from issuer.issuing.changes import ChangeOrder, reissue_certificate, revoke_certificate
from issuer.issuing.credentials import CredentialContext
from issuer.issuing.service import issue_batch
from issuer.keystore import KeyStore, new_key
from keys.keyset import Purpose
from registry.config import Settings, SettingsError
from registry.db import Database
from registry.keyring import load_keyset
from registry.models import Authority, Certificate
from registry.qrtoken import encode_token
from registry.refdata import LoadReport, load_reference_file
from registry.rules.policy import ProvinceProfile
from registry.vocab import CertificateKind

DEMO_FILES = ("regions_hunan.csv", "regions_sichuan.csv", "demo_hunan.json")
PROVINCE_AUTHORITY = "430000"
ACTOR = "cli:demo"
DEMO_PROFILE = "hunan"


def require_demo_profile(settings: Settings) -> None:
    """Refuse to load outside the demo mode (the demo's notice is shortened, rule 8), and refuse a profile
    other than Hunan's before anything is loaded: the demo data, numbers and keys are
    Hunan's, so under another profile the load would stop half-way (regions and catalogue stored, the
    certificates refused) and leave a half-built registry."""
    if not settings.issuing.demo_mode:
        raise SettingsError(
            "演示数据只能在演示模式下载入（CERTREG_DEMO_MODE=1，make run 会设置）：演示批次的公示期为 0 天，"
            "短于规则8 的最短期限 / the demo data are loaded only in the demo mode (CERTREG_DEMO_MODE=1, as "
            "make run sets): the demo batch is noticed for 0 days, below rule 8's minimum; nothing was loaded"
        )
    if (chosen := settings.issuing.profile) != DEMO_PROFILE:
        raise SettingsError(
            f"演示数据属于湖南省，不能在 CERTREG_PROFILE={chosen} 下载入（请取消该设置或设为 hunan）/ "
            f"the demo data are Hunan's and cannot be loaded under CERTREG_PROFILE={chosen}: unset it "
            "or set it to hunan; nothing was loaded"
        )


def check_demo_preconditions(settings: Settings, store: KeyStore) -> None:
    """Everything the load needs, checked before its first write, so a missing setting never leaves a
    half-built registry (regions loaded and keys created, then the issue refused): the Hunan profile, the
    ID hash key (the demo batch hashes its holders' IDs), a passphrase that opens the keys already there,
    and a key directory (and the links file beside it) that can be written. The database's reachability and
    schema are checked when it is opened (:func:`issuer.cli._common.open_database`), also before any write.
    Raises :class:`SettingsError` or a :class:`keys.errors.KeysError` naming what to fix.
    """
    require_demo_profile(settings)
    settings.keys.id_hash_secret()
    for directory, variable in (
        (Path(settings.keys.key_dir), "CERTREG_KEY_DIR"),
        (demo_links_file(settings).parent, ""),
    ):
        _require_writable(directory, variable)
    store.check_passphrase()


def _require_writable(directory: Path, variable: str) -> None:
    """``directory`` exists and is writable, or can be created: its nearest existing ancestor is a writable
    directory. Creates nothing."""
    existing = directory.resolve()
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        named = f" ({variable})" if variable else ""
        raise SettingsError(
            f"目录不可写{named}：{directory}（{existing} 不是可写的目录），未做任何更改 / the directory {directory}"
            f"{named} cannot be written ({existing} is not a writable directory); nothing was changed"
        )


async def load_demo_reference(database: Database) -> list[tuple[str, LoadReport]]:
    """Load the shipped regions and demo data; returns each file's report."""
    reports = []
    for name in DEMO_FILES:
        data = (files("registry.data") / name).read_bytes()
        reports.append((name, await load_reference_file(database, data, name, actor=ACTOR)))
    return reports


async def ensure_demo_keys(database: Database, store: KeyStore) -> list[str]:
    """A statement key for every authority that has none, and the province's log key; returns new kids."""
    created = []
    async with database.transaction() as session:
        keyset = await load_keyset(session)
        authorities = (await session.scalars(select(Authority.code).order_by(Authority.code))).all()
        wanted: list[tuple[str, Purpose]] = [(code, "statement") for code in authorities]
        wanted.append((PROVINCE_AUTHORITY, "log"))
        for code, purpose in wanted:
            if keyset.active(code, purpose) is None:
                info = await new_key(session, store, authority=code, purpose=purpose, actor=ACTOR)
                created.append(info.kid)
    return created


DEMO_INSTITUTION = "S000043000101"  # 湖南省家政服务职业技能评价中心 (demo data)
DEMO_HOLDERS: Final = (  # name, ID number (valid check characters), occupation, level
    ("张三", "430102199003071234", "4-10-01-05", "4"),
    ("李四", "430103198511202618", "4-10-01-05", "4"),
    ("王小明", "430104199206154323", "4-10-01-02", "4"),
    ("赵敏", "430105200001011232", "4-10-01-03", "5"),
)


class DemoCertificates(msgspec.Struct, frozen=True):
    valid: str
    revoked: str
    superseded: str
    successor: str
    tokens: dict[str, str]


async def issue_demo_certificates(
    database: Database, store: KeyStore, settings: Settings, profile: ProvinceProfile
) -> DemoCertificates | None:
    """Issue the demo batch through the real pipeline (import, reviews, a notice, issue — each step by its own
    named demo operator, as the separation of duties asks), then revoke one
    certificate and reissue another. Returns None when the demo batch exists already (idempotent).

    The demo's notice lasts zero days, so `make run` shows certificates at once; nothing else may shorten
    a notice (rule 8).
    """
    async with database.reader() as session:
        if await session.scalar(select(Certificate.number).where(Certificate.institution_code == DEMO_INSTITUTION)):
            return None
    demo_settings = msgspec.structs.replace(  # not replaced(): the demo's 0 days skip rule 8's check on purpose
        settings, issuing=msgspec.structs.replace(settings.issuing, notice_days=0)
    )
    crew = Crew(submitter="demo-institution", city_reviewer="demo-city", province_reviewer="demo-province")
    upload = Upload(
        data=_demo_csv(),
        file_name="demo-results.csv",
        institution=DEMO_INSTITUTION,
        kind=CertificateKind.SKILL_LEVEL,
        assessed_on=date(2026, 10, 15),
    )
    outcome = await run_issue(database, demo_settings, crew, upload, profile=profile)
    async with database.reader() as session:
        operator = await find_operator(session, "demo-admin", Role.PROVINCE_ADMIN)
    credentials = CredentialContext.of(settings, store)
    issued = await issue_batch(database, store, profile, outcome.batch_id, caller=operator, credentials=credentials)
    valid, revoked, superseded, _ = issued.numbers
    cheated = ChangeOrder(
        reason="演示：考试舞弊被查实 / demo: cheating established", caller=operator, credentials=credentials
    )
    await revoke_certificate(database, profile, revoked, order=cheated)
    lost = ChangeOrder(reason="演示：证书遗失补发 / demo: lost, reissued", caller=operator, credentials=credentials)
    successor = await reissue_certificate(database, store, profile, superseded, order=lost)
    async with database.reader() as session:
        rows = await session.execute(
            select(Certificate.number, Certificate.statement, Certificate.signature).where(
                Certificate.number.in_([valid, revoked, superseded, successor.number])
            )
        )
        tokens = {number: encode_token(statement, signature) for number, statement, signature in rows}
    return DemoCertificates(valid, revoked, superseded, successor.number, tokens)


def _demo_csv() -> bytes:
    lines = ["姓名,身份证号,职业编码,等级", *(",".join(holder) for holder in DEMO_HOLDERS)]
    return ("\n".join(lines) + "\n").encode()


def demo_link_lines(demo: DemoCertificates) -> list[str]:
    """What `certreg serve` prints: one QR link per demo state (``{public_url}`` filled in when printed).

    The query link is percent-encoded (``name=%E5%BC%A0%E4%B8%89``): a raw ``张三`` in a URL is refused by
    curl and by the server (400), and a terminal may not copy it intact. The superseded certificate was
    reissued (补发), not replaced (换发): RULES.md gives the two acts different words.
    """
    query = urlencode({"number": demo.valid, "name": "张三"})
    return [
        f"  演示证书 / demo certificate (有效 valid):      {{public_url}}/q/{demo.tokens[demo.valid]}",
        f"  演示证书 / demo certificate (已撤销 revoked):  {{public_url}}/q/{demo.tokens[demo.revoked]}",
        f"  演示证书 / demo certificate (已补发 reissued): {{public_url}}/q/{demo.tokens[demo.superseded]}",
        f"  公众查询 / public query: {{public_url}}/?{query}",
    ]


class DemoStaff(msgspec.Struct, frozen=True):
    login: str
    role: Role
    org_code: str
    password: str


async def ensure_demo_staff(database: Database, settings: Settings) -> list[DemoStaff]:
    """One console account per role for the demo institution, its city centre and the province centre, with
    a password anyone reading the README knows — so only in the demo mode (``CERTREG_DEMO_MODE``); returns
    them (none outside the demo mode). Idempotent: an existing account is left as it is."""
    from issuer.console.accounts import create_account, find_account
    from issuer.console.passwords import cost_for
    from registry.models import Institution

    if not settings.issuing.demo_mode:
        return []
    async with database.transaction() as session:
        institution = await session.get(Institution, DEMO_INSTITUTION)
        # the city centre of the institution's prefecture: the reach of a city reviewer (issuer/auth/policy.py)
        city = f"{institution.region_code[:4]}00" if institution is not None else None
        wanted = [
            DemoStaff("demo.institution", Role.INSTITUTION, DEMO_INSTITUTION, "demo-institution-pw"),
            DemoStaff("demo.city", Role.CITY_REVIEWER, city or "", "demo-city-pw-2026"),
            DemoStaff("demo.province", Role.PROVINCE_REVIEWER, PROVINCE_AUTHORITY, "demo-province-pw"),
            DemoStaff("demo.admin", Role.PROVINCE_ADMIN, PROVINCE_AUTHORITY, "demo-admin-pw-2026"),
        ]
        for staff in wanted:
            if staff.org_code and await find_account(session, staff.login) is None:
                await create_account(
                    session,
                    login=staff.login,
                    org_code=staff.org_code,
                    role=staff.role,
                    password=staff.password,
                    actor=ACTOR,
                    cost=cost_for(settings.keys.key_kdf),
                )
    return [staff for staff in wanted if staff.org_code]


def demo_staff_lines(staff: list[DemoStaff], public_url: str) -> list[str]:
    """How to sign in to the console as each demo account (printed by ``certreg demo load``)."""
    if not staff:
        return []
    lines = [f"  工作人员控制台 / staff console: {public_url}/console/  (演示账户 / demo accounts:)"]
    lines += [f"    {s.role.value:<18} 登录名 login {s.login:<17} 密码 password {s.password}" for s in staff]
    return lines
