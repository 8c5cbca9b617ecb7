"""Reading a multipart upload within the size limit, and its form fields (HTTP layer).

Nothing past the limit is ever read: an announced ``Content-Length`` over it is refused before reading,
and a body without one is cut off at the route's ``request_max_body_size`` (the limit plus room for the
multipart framing) while it streams in. Within the limit the body is held in memory once (≤ 20 MB by
default) and parsed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from issuer.batches.submission import Upload
from issuer.errors import UploadError
from issuer.text_checks import has_control_characters
from registry.rules.errors import RuleError
from registry.rules.formats import parse_iso_date
from registry.rules.freetext import text_violation
from registry.vocab import CertificateKind

#: Room for the multipart framing and the small form fields on top of the file itself.
FORM_SLACK: Final = 64 * 1024
#: A media type as a 415 may name it back (``type/subtype``); anything else the client sent is named "—".
_MEDIA_TYPE: Final = re.compile(r"[\w.+-]+/[\w.+-]+")
SUBMIT_FIELDS: Final = ("file", "institution", "kind", "assessed_on")
#: Each field as the console's upload form labels it (Chinese, English): a refusal names what staff see on the
#: page, and the wire name beside it for a script.
FIELD_LABELS: Final = {
    "file": ("成绩文件", "the results file"),
    "institution": ("鉴定机构编码", "the institution code"),
    "kind": ("证书类别", "the kind"),
    "assessed_on": ("考核日期", "the assessment date"),
    "source": ("来源名称", "the source's name"),  # the legacy import's (POST /v1/legacy-imports)
}
RESUBMIT_FIELDS: Final = ("file",)


class Form(msgspec.Struct, frozen=True):
    data: bytes
    file_name: str
    fields: dict[str, str]


def too_large(max_bytes: int) -> UploadError:
    mb = max_bytes / 1024 / 1024
    return UploadError(
        f"文件超过上限 {mb:g} MB / the file is larger than the limit of {mb:g} MB ({max_bytes} bytes)",
        status=413,
        code="upload.too_large",
    )


def _bad(message: str, code: str) -> UploadError:
    return UploadError(message, status=400, code=code)


async def read_form(
    request: Request[Any, Any, Any],
    *,
    max_bytes: int,
    fields: tuple[str, ...],
    file_label: tuple[str, str] = FIELD_LABELS["file"],
) -> Form:
    """The uploaded file and the text fields of a ``multipart/form-data`` request.

    Raises :class:`UploadError`: 415 not multipart, 413 too large, 400 malformed, unknown, repeated or
    missing fields (the file must come in the field ``file``).
    """
    content_type, _ = request.content_type
    if content_type != "multipart/form-data":
        sent = content_type if _MEDIA_TYPE.fullmatch(content_type) else "—"
        raise UploadError(
            f"请以 multipart/form-data 上传文件（收到的是 {sent}）/ "
            f"upload the file as multipart/form-data (got {sent})",
            status=415,
            code="upload.content_type",
        )
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_bytes + FORM_SLACK:
        raise too_large(max_bytes)
    try:
        # Read the body first, capped by the route's limit: litestar's multipart parser would leave a
        # half-written spool file open if the cap cut the stream mid-file. Unless a guard parsed the form
        # already (the console's CSRF check): then the stream is spent and the parsed form is what there is.
        if not _form_parsed(request):
            await request.body()
        form = await request.form()
    except RequestEntityTooLarge:
        raise too_large(max_bytes) from None
    except ClientException as exc:
        raise _bad(f"multipart 格式错误 / malformed multipart/form-data: {exc.detail}", "upload.multipart") from None
    try:
        return await _collect(list(form.multi_items()), max_bytes=max_bytes, fields=fields, file_label=file_label)
    finally:
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                await value.close()


def _form_parsed(request: Request[Any, Any, Any]) -> bool:
    return ScopeState.from_scope(request.scope).form is not Empty


async def _collect(
    items: list[tuple[str, Any]], *, max_bytes: int, fields: tuple[str, ...], file_label: tuple[str, str]
) -> Form:
    seen: dict[str, Any] = {}
    for name, value in items:
        if name not in fields:
            raise _bad(
                f"未知字段 {name}（可用：{'、'.join(fields)}） / unknown field {name!r}; expected {', '.join(fields)}",
                "upload.field",
            )
        if name in seen:
            raise _bad(f"字段 {name} 重复 / field {name!r} is sent twice", "upload.field")
        seen[name] = value
    upload = seen.pop("file", None)
    if not isinstance(upload, UploadFile):
        raise _bad(
            f"请选择{file_label[0]}（字段 file）/ no file: choose {file_label[1]} (the multipart field 'file')",
            "upload.file_missing",
        )
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    texts = {}
    for name, value in seen.items():
        if not isinstance(value, str):
            raise _bad(f"字段 {name} 应为文本 / field {name!r} must be text, not a file", "upload.field")
        if has_control_characters(value):
            raise _bad(f"字段 {name} 含控制字符 / field {name!r} contains control characters", "upload.characters")
        texts[name] = value.strip()
    file_name = (upload.filename or "upload.csv").rsplit("/", 1)[-1]
    if has_control_characters(file_name):
        raise _bad("文件名含控制字符 / the file name contains control characters", "upload.characters")
    # kept and listed with the batch: no bidi control (U+202E …) may disguise it, no ID number may sit in it
    typed = text_violation(file_name, field="file_name", what=("文件名", "The file name"), formula_checked=False)
    if typed is not None:
        raise _bad(f"{typed.message_zh} / {typed.message_en}", typed.code)
    return Form(data=data, file_name=file_name, fields=texts)


def required(form: Form, name: str) -> str:
    value = form.fields.get(name, "")
    if not value:
        zh, en = FIELD_LABELS.get(name, (name, repr(name)))
        raise _bad(f"请填写{zh}（字段 {name}）/ {en} (field {name!r}) is required", "upload.field_missing")
    return value


def kind_of(form: Form) -> CertificateKind:
    value = required(form, "kind")
    try:
        return CertificateKind(value)
    except ValueError:
        choices = ", ".join(k.value for k in CertificateKind)
        raise _bad(
            f"证书类别 {value} 无效（可用：{choices}） / kind {value!r} is not one of {choices}", "upload.kind"
        ) from None


def assessed_on_of(form: Form) -> date:
    value = required(form, "assessed_on")
    try:
        return parse_iso_date(value, field="assessed_on")
    except RuleError as exc:
        raise _bad(f"{exc.violation.message_zh} / {exc.violation.message_en}", "upload.assessed_on") from None


def institution_of(form: Form) -> str:
    value = required(form, "institution")
    if len(value) > 32:
        raise _bad("机构编码过长 / the institution code is longer than 32 characters", "upload.institution")
    return value


def upload_of(form: Form) -> Upload:
    """The new batch a ``POST /v1/batches`` form (:data:`SUBMIT_FIELDS`) asks for: the API and the console's
    upload screen read the same fields the same way."""
    return Upload(
        data=form.data,
        file_name=form.file_name,
        institution=institution_of(form),
        kind=kind_of(form),
        assessed_on=assessed_on_of(form),
    )
