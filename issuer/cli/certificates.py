"""``certreg certificates revoke|reissue|replace NUMBER --reason …``: changes to one certificate, and
``certreg certificates prints NUMBER``: the print serials it was printed under.

The same services as the ``/v1/certificates/{number}/…`` routes, run by a named operator in the province admin role;
after each commit the changed numbers are announced on Redis (``CERTREG_REDIS_URL``) so verifiers see the
change at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

import click
from rich.table import Table

from issuer.auth import Principal, Role
from issuer.auth.operators import operator as find_operator
from issuer.cli._common import console, err_console, keystore, open_database, province, run, settings_from_env
from issuer.cli.options import operator_option, reason_option
from issuer.issuing.announce import Announce, announcer_from_settings
from issuer.issuing.changes import ChangeOrder, reissue_certificate, replace_certificate, revoke_certificate
from issuer.issuing.corrections import Correction
from issuer.issuing.credentials import CredentialContext
from issuer.issuing.errors import IneligibleError
from issuer.issuing.prints import certificate_prints
from registry.calendar import province_day, province_minute
from registry.config import Settings
from registry.db import Database

T = TypeVar("T")


@click.group("certificates")
def certificates_group() -> None:
    """证书变更：撤销、补发、换发 / revoke, reissue or replace one certificate."""


def _run(
    settings: Settings, operator_name: str | None, body: Callable[[Database, Announce | None, Principal], Awaitable[T]]
) -> T:
    """Run ``body`` with the database, the announcer and the named operator, acting as the province admin
    (the role :mod:`issuer.auth.policy` asks for these changes)."""

    async def _main() -> T:
        async with open_database(settings) as database, announcer_from_settings(settings) as announce:
            async with database.reader() as session:
                caller = await find_operator(session, operator_name, Role.PROVINCE_ADMIN)
            return await body(database, announce, caller)

    return run(_main)


def _change(
    settings: Settings,
    operator_name: str | None,
    reason: str,
    credentials: CredentialContext,
    body: Callable[[Database, ChangeOrder], Awaitable[T]],
) -> T:
    """Run ``body`` as :func:`_run` does, with the named operator's change order (announced, with
    credentials)."""
    return _run(
        settings,
        operator_name,
        lambda db, announce, caller: body(
            db, ChangeOrder(reason=reason, caller=caller, announce=announce, credentials=credentials)
        ),
    )


@certificates_group.command("revoke")
@click.argument("number")
@reason_option
@operator_option
def revoke_command(number: str, reason: str, operator: str | None) -> None:
    """撤销 / revoke certificate NUMBER."""
    settings = settings_from_env()
    profile = province(settings)
    credentials = CredentialContext.of(settings, lambda: keystore(settings))
    result = _change(
        settings, operator, reason, credentials, lambda db, order: revoke_certificate(db, profile, number, order=order)
    )
    console.print(f"已撤销 / revoked {result.number} (event {result.event_id})")


@certificates_group.command("reissue")
@click.argument("number")
@reason_option
@click.option(
    "--print-serial",
    default=None,
    help="所用空白证书的印制流水码（资格证书；默认取下一个）/ serial of the pre-printed blank it is printed on "
    "(qualification certificates; default: the next one).",
)
@operator_option
def reissue_command(number: str, reason: str, print_serial: str | None, operator: str | None) -> None:
    """补发 / reissue certificate NUMBER: a qualification certificate keeps its number under a new print
    serial; another kind gets a new number (same content)."""
    settings = settings_from_env()
    profile = province(settings)
    store = keystore(settings)
    result = _change(
        settings,
        operator,
        reason,
        CredentialContext.of(settings, store),
        lambda db, order: reissue_certificate(db, store, profile, number, order=order, print_serial=print_serial),
    )
    if result.change == "reprinted":
        console.print(
            f"已补发 / reissued {result.number}：印制流水码 / print serial {result.print_serial}"
            f"（作废 / void: {result.voided_print_serial or '—'}） (event {result.event_id})"
        )
        return
    console.print(
        f"已补发 / reissued {result.old_number} → {result.number}，印制流水码 / print serial "
        f"{result.print_serial or '—'} (event {result.event_id})"
    )


@certificates_group.command("prints")
@click.argument("number")
@operator_option
def prints_command(number: str, operator: str | None) -> None:
    """印制记录 / the print serials certificate NUMBER was printed under (the valid one and the void ones)."""
    settings = settings_from_env()
    profile = province(settings)
    today = province_day(datetime.now(UTC))
    found = _run(
        settings, operator, lambda db, _, caller: certificate_prints(db, profile, number, caller=caller, today=today)
    )
    table = Table(title=f"{found.number} ({found.kind}, {found.status})")
    for heading in ("印制流水码 serial", "状态 state", "时间 (UTC+8)", "原因 reason"):
        table.add_column(heading)
    for item in found.prints:
        state = "作废 void" if item.void else "有效 valid"
        table.add_row(item.serial, state, province_minute(item.printed_at), item.reason or "—")
    console.print(table)


@certificates_group.command("replace")
@click.argument("number")
@reason_option
@click.option("--name", "holder_name", default=None, help="更正后的姓名 / corrected holder name.")
@click.option(
    "--id-number", "holder_id", default=None, help="更正后的证件号码（封存）/ corrected document number (sealed)."
)
@click.option(
    "--id-type",
    "holder_id_type",
    default=None,
    help="其证件类型（默认居民身份证）/ its document type (default resident ID).",
)
@click.option(
    "--subject", "subject_code", default=None, help="更正后的职业或项目编码 / corrected occupation or project code."
)
@click.option("--level", default=None, help="更正后的等级（3、三级、高级工 …）/ corrected level (3, 三级, 高级工 …).")
@operator_option
def replace_command(
    *,
    number: str,
    reason: str,
    holder_name: str | None,
    holder_id: str | None,
    holder_id_type: str | None,
    subject_code: str | None,
    level: str | None,
    operator: str | None,
) -> None:
    """换发 / replace certificate NUMBER with corrected content under a new number."""
    settings = settings_from_env()
    profile = province(settings)
    store = keystore(settings)
    correction = Correction(
        holder_name=holder_name, holder_id=holder_id, holder_id_type=holder_id_type, subject_code=subject_code,
        level=level,
    )  # fmt: skip
    try:
        result = _change(
            settings,
            operator,
            reason,
            CredentialContext.of(settings, store),
            lambda db, order: replace_certificate(
                db, store, profile, number, correction, order=order, settings=settings
            ),
        )
    except IneligibleError as exc:  # which rule refused the corrected content (the API's `errors`)
        for problem in exc.problems:
            err_console.print(f"[{problem.field}] {problem.code}: {problem.message}", markup=False, soft_wrap=True)
        raise
    console.print(f"已换发 / replaced {result.old_number} → {result.number} (event {result.event_id})")


COMMANDS = [certificates_group]
