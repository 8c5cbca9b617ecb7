"""How the issuer's routes describe themselves in the OpenAPI document at ``/schema`` (issue 18).

Each route's decorator takes ``**documented(...)``: a readable operation id, a summary and description in
both languages, the bearer scheme, every error status it can answer (RFC 9457 problem details, the schema
of :class:`verify.http.problems.Problem`, with an example) and examples of its request and its answer.
A multipart upload, which the handler reads itself within the size limit, gets its form described here
(litestar cannot see it). ``tests/integration/issuer/test_openapi.py`` checks that all of it is true: each
example validates against its schema and each documented error is provoked and matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    Encoding,
    Example,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    RequestBody,
    Schema,
    SecurityScheme,
)

from issuer.errors import KEYS_UNAVAILABLE_MESSAGE, ReasonRequiredError
from issuer.openapi_examples import REQUESTS
from registry.vocab import CertificateKind
from verify.http.apidocs import request_example
from verify.http.problems import problem_spec

XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The security scheme of every route that takes an issuer API token (``certreg tokens create``).
BEARER: Final = "issuerBearer"
BEARER_COMPONENTS: Final = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            description="发证方 API 令牌 / issuer API token (`certreg tokens create --org … --role …`), sent as "
            "`Authorization: Bearer crt_…`; its organisation and role decide what it may do (docs/access.md)",
        )
    }
)

#: Each error status: (what it means for any route, an example message ``"<zh> / <en>"``, extension members).
ERRORS: Final[dict[int, tuple[str, str, dict[str, str]]]] = {
    400: (
        "请求格式错误：参数、请求体或表单字段无效 / malformed request: a parameter, the body or a form field "
        "is invalid",
        "缺少字段 kind / the field 'kind' is required",
        {"code": "upload.field_missing"},
    ),
    401: (
        "缺少、未知或已吊销的 API 令牌 / missing, unknown or revoked API token",
        "API 令牌无效或已吊销 / the API token is unknown or revoked",
        {},
    ),
    403: (
        "令牌的角色或机构无权执行此操作（消息注明规则与可执行的角色）/ the token's role or organisation may not do "
        "this (the message names the rule and who may)",
        "审核：仅限市州鉴定中心审核员（规则9） / review: only for city_reviewer (rule 9; this caller is institution)",
        {},
    ),
    404: (
        "批次或证书不存在（或不属于本机构）/ no such batch or certificate (or not the caller's institution's)",
        "批次 12 不存在 / no batch 12",
        {},
    ),
    409: (
        "批次或证书的状态不允许此操作 / the batch's or certificate's state does not allow this",
        "批次状态为已签发，不能执行此操作 / the batch is issued; this step is not allowed",
        {},
    ),
    413: (
        "上传文件超过上限（CERTREG_MAX_UPLOAD_BYTES）/ the upload is larger than the limit",
        "文件超过上限 20 MB / the file is larger than the limit of 20 MB (20971520 bytes)",
        {"code": "upload.too_large"},
    ),
    415: (
        "不是 multipart/form-data 上传 / not a multipart/form-data upload",
        "请以 multipart/form-data 上传文件（收到的是 application/json）/ upload the file as multipart/form-data (got "
        "application/json)",
        {"code": "upload.content_type"},
    ),
    422: (
        "内容不符合规则：文件无法读取、缺少列，或有行不能签发（errors 逐行列出）/ the content breaks a rule: an "
        "unreadable file, a missing column, or rows that cannot be issued (listed in errors)",
        "文件缺少必需的列：姓名 / the file lacks a required column: name",
        {"code": "table.missing_column"},
    ),
    503: (
        "封存的证件号码或照片无法打开（服务器密钥问题）/ a sealed document number or photo does not open (a "
        "server key fault, never the caller's)",
        "身份数据无法解封 / a sealed identity does not open",
        {"code": "identity.unavailable"},
    ),
}


#: A route's own (description, example) of a status, optionally with its extension members (``code``).
Override = tuple[str, str] | tuple[str, str, dict[str, str]]

#: The 503 of a route that signs with the keys of the key store (``issuer.http_errors._keys_unavailable``).
KEYS_UNAVAILABLE: Final[Override] = (
    "服务器无法打开签名密钥（口令缺失或错误）或未设置证件号哈希密钥（服务器配置问题）/ the server cannot open "
    "its signing key (passphrase missing or wrong) or lacks the ID hash key: a server fault, never the caller's",
    KEYS_UNAVAILABLE_MESSAGE,
    {"code": "keys.unavailable"},
)

#: The 409 of a route that signs for the province before its key exists (``issuer.keystore.signer_for``).
NO_ACTIVE_KEY: Final[Override] = (
    "省级鉴定中心还没有有效的签名密钥（运维须先生成）/ the province has no active signing key yet (the operators "
    "must make one first)",
    "430000 没有有效的签名密钥，请先 certreg keys new / no active statement key for 430000: run `certreg keys new "
    "--authority 430000`",
)


#: The 400 of a route whose body carries a required reason: every such route refuses an empty one with the same
#: status and message (:class:`issuer.errors.ReasonRequiredError`), batch steps and certificate changes alike.
REASON_REQUIRED: Final[Override] = (
    "请求格式错误：参数或请求体字段无效，或未填写原因 / malformed request: a parameter or a body field is invalid, "
    "or the reason is empty",
    str(ReasonRequiredError()),
    {"code": ReasonRequiredError().code, "field": "reason"},
)


def error_specs(statuses: Iterable[int], overrides: Mapping[int, Override] | None = None) -> dict[int, Any]:
    """The problem-details responses of ``statuses``; ``overrides`` gives a route its own (description,
    example[, members]) for a status."""
    specs: dict[int, Any] = {}
    for status in statuses:
        description, example, members = ERRORS[status]
        if overrides and status in overrides:
            override = overrides[status]
            description, example = override[0], override[1]
            members = override[2] if len(override) == 3 else {}
        specs[status] = problem_spec(status, description, example, **members)
    return specs


@dataclass(frozen=True)
class FormField:
    """One field of a multipart form: its name, description and example; a file when ``binary``."""

    name: str
    description: str
    example: str
    binary: bool = False
    enum: list[str] | None = None
    format: OpenAPIFormat | None = None

    def schema(self) -> Schema:
        if self.binary:
            return Schema(
                type=OpenAPIType.STRING, content_media_type="application/octet-stream", description=self.description
            )
        return Schema(
            type=OpenAPIType.STRING,
            description=self.description,
            enum=self.enum,
            format=self.format,
            examples=[self.example],
        )


def _form_body(fields: Iterable[FormField], description: str) -> RequestBody:
    listed = list(fields)
    schema = Schema(
        type=OpenAPIType.OBJECT,
        properties={f.name: f.schema() for f in listed},
        required=[f.name for f in listed],
        additional_properties=False,
    )
    media = OpenAPIMediaType(
        schema=schema,
        encoding={"file": Encoding(content_type=f"text/csv, {XLSX}")},
        examples={"upload": Example(summary="上传 / upload", value={f.name: f.example for f in listed})},
    )
    return RequestBody(content={"multipart/form-data": media}, description=description, required=True)


def documented(
    operation_id: str,
    summary: str,
    *,
    errors: Iterable[int],
    answers: Mapping[int, ResponseSpec],
    description: str | None = None,
    tags: Iterable[str] | None = None,
    form: tuple[str, Iterable[FormField]] | None = None,
    bearer: bool = True,
    error_examples: Mapping[int, Override] | None = None,
    required: Iterable[str] = (),
) -> dict[str, Any]:
    """The keyword arguments of a route decorator that document it completely (see the module docstring):
    ``answers`` the success responses, ``errors`` the statuses of its problem answers, ``form`` a multipart
    upload's (description, fields), ``bearer`` whether it takes an issuer token, ``required`` the query
    parameters the handler reads as optional but refuses without."""
    kwargs: dict[str, Any] = {
        "operation_id": operation_id,
        "summary": summary,
        "responses": {**answers, **error_specs(errors, error_examples)},
        "operation_class": request_example(
            REQUESTS.get(operation_id), _form_body(form[1], form[0]) if form else None, required
        ),
    }
    if description is not None:
        kwargs["description"] = description
    if tags is not None:
        kwargs["tags"] = list(tags)
    if bearer:
        kwargs["security"] = [{BEARER: []}]
    return kwargs


#: The fields of ``POST /v1/batches``.
SUBMIT_FORM: Final = (
    "成绩文件与批次信息 / the results file and what the batch is",
    (
        FormField(
            "file",
            "成绩文件（CSV 或 XLSX，模板见 GET /v1/batches/template.xlsx）/ the results file (CSV or XLSX; "
            "template at GET /v1/batches/template.xlsx)",
            "results.xlsx",
            binary=True,
        ),
        FormField("institution", "评价机构编码 / the assessing institution's code", "S4301001"),
        FormField("kind", "证书类别 / certificate kind", "skill_level", enum=[k.value for k in CertificateKind]),
        FormField("assessed_on", "考核日期 YYYY-MM-DD / assessment date", "2026-02-10", format=OpenAPIFormat.DATE),
    ),
)
#: The field of ``POST /v1/batches/{id}/resubmit``.
RESUBMIT_FORM: Final = (
    "更正后的成绩文件 / the corrected results file",
    (
        FormField(
            "file",
            "更正后的成绩文件（CSV 或 XLSX）/ the corrected results file (CSV or XLSX)",
            "results.xlsx",
            binary=True,
        ),
    ),
)
#: The field of ``POST /v1/batches/{id}/photos``.
PHOTOS_FORM: Final = (
    "持证人照片压缩包 / a zip of holder photos",
    (
        FormField(
            "file",
            "JPEG/PNG 照片的 zip，按证件号码命名 / a zip of JPEG or PNG photos, each named by the holder's "
            "document number",
            "photos.zip",
            binary=True,
        ),
    ),
)
#: The fields of ``POST /v1/legacy-imports``.
LEGACY_FORM: Final = (
    "历史证书文件与来源系统 / the legacy file and the system it comes from",
    (
        FormField(
            "file", "历史证书文件（CSV 或 XLSX）/ the legacy certificates (CSV or XLSX)", "legacy.csv", binary=True
        ),
        FormField(
            "source",
            "来源系统名称（1–64 个字母、数字、-、_ 或 .）/ the old system's name (1–64 of A–Z a–z 0–9 - _ .)",
            "hunan-osta-2015",
        ),
    ),
)
