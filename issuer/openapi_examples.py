"""Example bodies of the issuer's routes for the OpenAPI document (:mod:`issuer.openapi`).

Plain JSON values, written as an integrator would see them; the OpenAPI test validates every one against
the schema the document gives for it, so an example that drifts from the code fails the build. Names and
document numbers here are invented (a resident ID with a valid check digit, never a real person's).
"""

from __future__ import annotations

from typing import Any, Final

NUMBER: Final = "S000043000101262000001"
SUCCESSOR: Final = "S000043000101262000002"
AT: Final = "2026-03-02T02:00:00Z"

_COUNTS: Final = {"total": 3, "ok": 2, "bad": 1, "excluded": 0, "held": 0, "issued": 0}
SUMMARY: Final[dict[str, Any]] = {
    "id": 12,
    "institution_code": "S4301001",
    "institution_name": "长沙市第一职业技能鉴定站",
    "kind": "skill_level",
    "assessed_on": "2026-02-10",
    "state": "submitted",
    "state_zh": "已提交",
    "counts": _COUNTS,
    "file_name": "results.xlsx",
    "submitted_by": "token:7:institution:S4301001",
    "created_at": AT,
    "authority_code": None,
    "notice_starts_at": None,
    "notice_ends_at": None,
    "issued_at": None,
}
_PROBLEM: Final = {
    "column": "身份证号 / ID number",
    "field": "holder_id",
    "code": "id.checksum",
    "message_zh": "身份证号校验位错误",
    "message_en": "the ID number's check digit is wrong",
    "rule": "format",
}
_BAD_ROW: Final = {
    "row": 4,
    "status": "bad",
    "holder_name": "王五",
    "holder_id_masked": "430102********1235",
    "subject_code": "6-31-01-03",
    "level": 3,
    "problems": [_PROBLEM],
    "certificate_number": None,
    "print_serial": None,
}
_OK_ROW: Final = {**_BAD_ROW, "row": 2, "status": "ok", "holder_name": "张三", "problems": []}

IMPORT_ANSWER: Final[dict[str, Any]] = {
    "batch": SUMMARY,
    "next_step": "排除或更正有问题的行 / exclude or correct the bad rows",
    "bad_rows": [_BAD_ROW],
    "ignored_columns": [],
    "sheet": "成绩",
}
BATCH_DETAIL: Final[dict[str, Any]] = {
    "batch": SUMMARY,
    "province_approval_needed": False,
    "next_step": "等待市州鉴定中心审核 / waits for the city centre's review",
    "rows": {"total": 3, "offset": 0, "limit": 100, "status": None, "items": [_OK_ROW, _BAD_ROW]},
    "history": [
        {
            "index": 40,
            "kind": "batch.submitted",
            "at": AT,
            "actor": "token:7:institution:S4301001",
            "reason": "",
            "details": {"rows": 3},
        }
    ],
    "ignored_columns": [],
    "ignored_count": 0,
}
BATCH_LIST: Final[dict[str, Any]] = {"items": [SUMMARY], "offset": 0, "limit": 100}
ISSUED: Final[dict[str, Any]] = {
    "batch_id": 12,
    "state": "issued",
    "issued_on": "2026-03-02",
    "authority_code": "430000",
    "kid": "NHUPmL1Z_Pw",
    "issued_count": 2,
    "held": 0,
    "numbers": [NUMBER, SUCCESSOR],
}
REVOKED: Final[dict[str, Any]] = {
    "number": NUMBER,
    "status": "revoked",
    "reason": "考核舞弊 / assessment fraud",
    "event_id": 57,
    "at": AT,
}
SUCCESSOR_RESULT: Final[dict[str, Any]] = {
    "old_number": NUMBER,
    "number": SUCCESSOR,
    "change": "replaced",
    "reason": "姓名录入错误 / name mistyped",
    "issued_on": "2026-03-02",
    "event_id": 58,
    "at": AT,
    "print_serial": "430000-2026-000102",
    "voided_print_serial": None,
}
PRINTS: Final[dict[str, Any]] = {
    "number": NUMBER,
    "kind": "skill_level",
    "status": "valid",
    "print_serial": "430000-2026-000101",
    "prints": [
        {
            "number": NUMBER,
            "serial": "430000-2026-000101",
            "printed_at": AT,
            "given": False,
            "replaces": None,
            "reason": "",
            "event_id": 51,
            "void": False,
        }
    ],
}
IDENTITY: Final[dict[str, Any]] = {
    "number": NUMBER,
    "holder_name": "张三",
    "document_type": "resident_id",
    "document_type_zh": "居民身份证",
    "document_number": "430102199001011234",
    "masked": "430102********1234",
    "gender": "male",
    "event_id": 60,
}
LEGACY_REPORT: Final[dict[str, Any]] = {
    "source": "hunan-osta-2015",
    "rows": 1200,
    "imported": 1198,
    "already": 0,
    "revoked": 2,
    "chunks": 2,
}
_NOTICE_BATCH: Final[dict[str, Any]] = {
    "id": 12,
    "institution_code": "S4301001",
    "institution_name": "长沙市第一职业技能鉴定站",
    "kind": "skill_level",
    "kind_zh": "职业技能等级证书",
    "assessed_on": "2026-02-10",
    "notice_starts_at": "2026-02-20T00:00:00Z",
    "notice_ends_at": "2026-02-27T00:00:00Z",
    "ended": False,
    "people": 2,
    "page": 1,
    "pages": 1,
    "rows": [
        {"name": "张*", "subject_code": "6-31-01-03", "subject_name": "电工", "level": 3, "level_zh": "三级/高级工"}
    ],
}
NOTICE_BATCH: Final = _NOTICE_BATCH
NOTICE_INDEX: Final[dict[str, Any]] = {"batches": [_NOTICE_BATCH], "total": 1, "page": 1, "pages": 1}
EXPORT_LINE: Final = (
    '{"event_id":57,"event":"certificate.revoked","at":"2026-03-02T02:00:00Z","number":"'
    + NUMBER
    + '","kind":"skill_level","holder_name":"张三","holder_id_masked":"430102********1234",'
    '"subject_type":"occupation","subject_code":"6-31-01-03","level":3,"institution_code":"S4301001",'
    '"authority_code":"430000","assessed_on":"2026-02-10","issued_on":"2026-03-02","status":"revoked",'
    '"superseded_by":null,"supersedes":null,"reason":"考核舞弊 / assessment fraud",'
    '"print_serial":"430000-2026-000101","voided_print_serial":null}\n'
)
QR_SVG: Final = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 57 57"><title>'
    + NUMBER
    + '</title><path d="M4 4h7v1H4z"/></svg>'
)

#: Request bodies, by operation id.
REQUESTS: Final[dict[str, Any]] = {
    "excludeBatchRows": {"rows": [4], "reason": "考生缺考 / the candidate was absent"},
    "reviewBatch": {"decision": "approve", "reason": ""},
    "approveBatch": {"decision": "approve", "reason": ""},
    "startBatchNotice": {"days": 7, "reason": ""},
    "recordBatchObjection": {"rows": [2], "reason": "公示期间收到实名举报 / objection received during the notice"},
    "holdBatchRows": {"rows": [2], "reason": "待核实 / to be checked"},
    "resolveBatchObjection": {"rows": [2], "decision": "release", "reason": "经核实无误 / checked, no issue"},
    "issueBatch": {"reason": "公示期满无异议 / notice ended without objection"},
    "revokeCertificate": {"reason": "考核舞弊 / assessment fraud"},
    "reissueCertificate": {"reason": "证书遗失 / lost", "print_serial": None},
    "replaceCertificate": {"reason": "姓名录入错误 / name mistyped", "holder_name": "张叁"},
    "readCertificateIdentity": {"reason": "核查举报 / checking a report"},
}
PHOTO_REPORT: Final[dict[str, Any]] = {
    "batch_id": 12,
    "stored_rows": [2, 3],
    "problems": [
        {
            "file": 3,
            "row": None,
            "code": "photo.too_large",
            "message_zh": "照片超过 200 KB",
            "message_en": "the photo is larger than 200 KB",
        }
    ],
    "rows_without_photo": [4],
    "event_id": 61,
}
