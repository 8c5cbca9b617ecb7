"""Console screens of certificates: search (by number, or by name + ID number), one certificate, and its
revocation (撤销), reissue (补发) and replacement (换发), each with a reason and a confirmation step.

A name and an ID number are personal data: that search is a POST, so they never sit in a URL (which
access logs and browser histories keep). A change is two POSTs: the first shows what will happen (nothing
is written), the second — with ``confirm=yes`` — calls the same service as
``POST /v1/certificates/{number}/revoke|reissue|replace``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from issuer.auth import Principal
from issuer.auth.policy import Action
from issuer.console.screens import forms
from issuer.console.screens.render import render
from issuer.errors import InvalidInputError
from issuer.injected import Caller, Runtime
from issuer.issuing.changes import ChangeOrder, reissue_certificate, replace_certificate, revoke_certificate
from issuer.issuing.corrections import Correction, check_correction, check_print_serial, check_reason
from issuer.issuing.credentials import CredentialContext
from issuer.issuing.lookups import permitted_actions
from issuer.issuing.qrcodes import certificate_qr_source
from issuer.issuing.search import certificate_view, find_by_holder
from issuer.qr import make_code, qr_url, svg_bytes
from issuer.runtime import IssuerRuntime
from registry.calendar import province_day
from registry.certificates import unchangeable
from registry.rules.policy import ProvinceProfile
from registry.vocab import CertificateKind, CertificateStatus

CHANGES: Final = ("revoke", "reissue", "replace")
#: The fields of a replacement's correction, as the form names them (empty: unchanged).
CORRECTED: Final = ("holder_name", "holder_id", "subject_code", "level")


def certificate_url(number: str) -> str:
    return f"/console/certificates/{quote(number, safe='')}"


def _today() -> Any:
    return province_day(datetime.now(UTC))


@get("/certificates", name="console:certificates")
async def search_page(
    *, request: Request[Any, Any, Any], issuer: Runtime, staff: Caller, number: FromQuery[str | None] = None
) -> Response[str] | Redirect:
    """The search form; ``?number=`` goes straight to that certificate (refused as the API refuses it)."""
    if number:
        profile = issuer.profile
        found = await certificate_view(issuer.database, profile, number.strip(), caller=staff, today=_today())
        return Redirect(path=certificate_url(found.number), status_code=303)
    return render(request, staff, "certificates.html", found=None)


@post("/certificates/search")
async def search_holder(*, request: Request[Any, Any, Any], issuer: Runtime, staff: Caller) -> Response[str]:
    """By the holder's name and ID number (POST: never in a URL); lists only what the caller may see."""
    fields = await forms.form_fields(request)
    found = await find_by_holder(
        issuer.database,
        name=forms.text(fields, "name", max_length=64),
        id_number=forms.text(fields, "id_number", max_length=32),
        secret=issuer.settings.keys.id_hash_secret(),
        caller=staff,
        today=_today(),
    )
    return render(request, staff, "certificates.html", found=found)


@get("/certificates/{number:str}", name="console:certificate")
async def certificate_page(
    *, request: Request[Any, Any, Any], number: FromPath[str], issuer: Runtime, staff: Caller
) -> Response[str]:
    profile = issuer.profile
    view = await certificate_view(issuer.database, profile, number, caller=staff, today=_today())
    done = request.query_params.get("done")
    async with issuer.database.reader() as session:  # the changes this caller may make: their forms only
        may = await permitted_actions(session, staff, view.number, [*map(Action, CHANGES), Action.DOCUMENTS])
    offered = {action.value for action in may}
    return render(request, staff, "certificate.html", c=view, may=offered, done=done if done in CHANGES else None)


@get("/certificates/{number:str}/qr.svg", media_type="image/svg+xml")
async def certificate_qr(*, number: FromPath[str], issuer: Runtime, staff: Caller) -> Response[bytes]:
    """The certificate's QR code (the token URL), as ``GET /v1/certificates/{number}/qr.svg`` gives it."""
    profile = issuer.profile
    source = await certificate_qr_source(issuer.database, profile, number, caller=staff, today=_today())
    url = qr_url(
        issuer.settings.server.public_url, number=source.number, statement=source.statement, signature=source.signature
    )
    disposition = f'inline; filename="{source.number}.svg"'
    return Response(
        svg_bytes(make_code(url), title=source.number),
        media_type="image/svg+xml",
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def _correction(fields: dict[str, str]) -> Correction:
    values = {name: forms.text(fields, name, required=False, max_length=64) or None for name in CORRECTED}
    return Correction(**values)


async def _apply(change: str, number: str, fields: dict[str, str], issuer: IssuerRuntime, principal: Principal) -> str:
    """Do the change through its service; the number to show afterwards (the successor's, if any)."""
    profile = issuer.profile
    credentials = CredentialContext.of(issuer.settings, issuer.keystore)
    order = ChangeOrder(
        reason=forms.reason(fields), caller=principal, announce=issuer.announce, credentials=credentials
    )
    if change == "revoke":
        await revoke_certificate(issuer.database, profile, number, order=order)
        return number
    if change == "reissue":
        serial = forms.text(fields, "print_serial", required=False, max_length=64) or None
        store = issuer.keystore
        result = await reissue_certificate(issuer.database, store, profile, number, order=order, print_serial=serial)
        return result.number
    correction = _correction(fields)
    result = await replace_certificate(
        issuer.database, issuer.keystore, profile, number, correction, order=order, settings=issuer.settings
    )
    return result.number


def _checked_before_confirmation(
    change: str, fields: dict[str, str], kind: CertificateKind, profile: ProvinceProfile
) -> list[tuple[str, str]]:
    """The form checked as the service will check it, before the confirmation page: a missing reason, a
    malformed print serial or correction is said before "are you sure?", not after it. For a replacement,
    what the confirmation shows as corrected: (field, value), the ID number masked (pages show no full one)."""
    check_reason(forms.reason(fields))
    if change == "reissue" and (serial := forms.text(fields, "print_serial", required=False, max_length=64)):
        check_print_serial(profile, serial)
    if change != "replace":
        return []
    checked = check_correction(_correction(fields), kind, today=_today(), profile=profile)
    shown = [("holder_name", checked.holder_name), ("subject_code", checked.subject_code)]
    shown.append(("holder_id", checked.document.masked if checked.document else None))
    shown.append(("level", None if checked.level is None else str(checked.level)))
    return [(name, value) for name, value in shown if value is not None]


@post("/certificates/{number:str}/{change:str}")
async def change_certificate(
    *, request: Request[Any, Any, Any], number: FromPath[str], change: FromPath[str], issuer: Runtime, staff: Caller
) -> Response[str] | Redirect:
    """Revoke, reissue or replace: without ``confirm=yes`` the confirmation page (nothing written)."""
    if change not in CHANGES:
        raise InvalidInputError(
            f"未知操作 {change[:16]} / unknown change {change[:16]!r}", field="change", code="form.change"
        )
    fields = await forms.form_fields(request)
    profile = issuer.profile
    view = await certificate_view(issuer.database, profile, number, caller=staff, today=_today(), action=Action(change))
    if fields.get("confirm") != "yes":
        if view.status != CertificateStatus.VALID:  # a stale page: said now, not after "are you sure?"
            raise unchangeable(view.number, CertificateStatus(view.status))
        kept = {k: v for k, v in fields.items() if k != "confirm"}
        shown = _checked_before_confirmation(change, fields, CertificateKind(view.kind), profile)
        return render(
            request, staff, "confirm.html", c=view, change=change, fields=kept, corrected=shown, field_label=forms.label
        )
    shown_number = await _apply(change, view.number, fields, issuer, staff)
    return Redirect(path=f"{certificate_url(shown_number)}?done={change}", status_code=303)


CERTIFICATE_SCREENS: Final = [search_page, search_holder, certificate_page, certificate_qr, change_certificate]
