"""The one access policy of the issuer: action × role → allowed, with the rule it cites (docs/rules.md).

Every route and every CLI command calls :func:`authorise` (or :func:`visible_scope` to list); nothing else
decides who may.

==============  ============  ===============================  =================  ==============  ==============
action          institution   city reviewer                    province reviewer  province admin  rule
==============  ============  ===============================  =================  ==============  ==============
submit          own           —                                —                  any             1, 11
resubmit        own           —                                —                  any             1, 11
exclude         own           —                                —                  any             1, 11
view            own           its region                       any                any             —
review (city)   —             its region                       —                  any             7
approve (prov.) —             —                                any                any             7
notice          own           —                                —                  any             8
objection       —             its region                       any                any             8
resolve         —             its region                       any                any             8
hold            —             its region                       any                any             8, 9
issue           —             its region, special ability      —                  any             6, 9
revoke          —             its region, special ability      —                  any             6, 9
reissue         —             its region, special ability      —                  any             6, 9
replace         —             its region, special ability      —                  any             6, 9
certificates    own           its region                       any                any             10
documents       own           its region, special ability      —                  any             9, 15
test print      any           any                              —                  any             9
photos          own           its region, special ability      —                  any             9, 14
export          —             —                                any                any             9
read identity   —             —                                —                  any             14, 15
rotate KEK      —             —                                —                  any             14, 15
national feed   —             —                                —                  any             14, 15
legacy import   —             —                                —                  any             9, 11
==============  ============  ===============================  =================  ==============  ==============

"Its region": the institution's region code and the city centre's share the first four digits (the
prefecture). The institution publishes its own results' notice (002 §4(2)); objections and holds are for
the centres that supervise it. A city centre issues, and so revokes, reissues and replaces, the
special-ability certificates of its region (003 §4(1)); the province the other kinds. Holders' full
identities — reading one, the key that seals them, the national feed that carries them — and the import of
legacy certificates are the province admin's alone (docs/identity.md).

``documents`` (certificate PDFs) and ``photos`` follow who hands the holder the certificate: a school prints
its own (002:57, "谁评价、谁发证"), a city centre the special-ability ones of its region (003:51), the province
the rest. A document shows the holder's full document number, so every one handed out is an event
(``certificate.document``, ``batch.documents``; docs/certificates.md).

An institution acting on another institution's batch or certificate gets the same 404 as for an unknown
one (no owner named): a token must not learn what exists elsewhere. Separation of duties (who did the
earlier steps of a batch) is :mod:`issuer.auth.duties`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from issuer.auth.principal import Principal
from issuer.auth.roles import Role
from issuer.errors import Forbidden
from registry.errors import NotFoundError
from registry.labels import LabelledEnum
from registry.vocab import CertificateKind


class Action(LabelledEnum):
    SUBMIT = "submit", "提交批次", "submit a batch"
    RESUBMIT = "resubmit", "重新提交批次", "resubmit a batch"
    EXCLUDE = "exclude", "剔除批次中的行", "exclude rows of a batch"
    VIEW = "view", "查看批次", "view a batch"
    REVIEW = "review", "市州初审", "review a batch (city)"
    APPROVE = "approve", "省级复审", "approve a batch (province)"
    NOTICE = "notice", "启动公示", "start the public notice"
    OBJECT = "objection", "登记异议", "record an objection"
    RESOLVE = "resolve", "处理暂缓的行（异议或暂缓发证）", "resolve held rows (an objection or a hold)"
    HOLD = "hold", "暂缓发证", "hold rows back from issuing"
    ISSUE = "issue", "发证", "issue a batch"
    REVOKE = "revoke", "撤销证书", "revoke a certificate"
    REISSUE = "reissue", "补发证书", "reissue a certificate"
    REPLACE = "replace", "换发证书", "replace a certificate"
    CERTIFICATES = "certificates", "取得证书二维码与印制记录", "QR codes and prints of certificates"
    DOCUMENTS = "documents", "取得证书文件（含完整证件号码）", "certificate documents (with full document numbers)"
    TEST_PRINT = "test_print", "打印套打校准页", "print the test page of the blank stock"
    PHOTOS = "photos", "上传持证人照片", "upload holder photos"
    EXPORT = "export", "导出证书数据", "export certificates"
    READ_IDENTITY = "read_identity", "查看完整身份信息", "reading a full identity"
    ROTATE_KEK = "rotate_kek", "轮换密钥加密密钥", "rotating the key-encryption key"
    FEED = "feed", "导出国家库交换数据", "exporting the national feed"
    LEGACY_IMPORT = "legacy_import", "导入历史证书", "importing legacy certificates"


class Reach(StrEnum):
    OWN = "own"  # the principal's own institution
    REGION = "region"  # institutions in the city centre's prefecture
    ANY = "any"


class Grant(msgspec.Struct, frozen=True):
    """What a role may reach for an action, and the certificate kinds it is limited to (``None``: all)."""

    reach: Reach
    kinds: frozenset[CertificateKind] | None = None


_SPECIAL: Final = frozenset({CertificateKind.SPECIAL_ABILITY})
_I, _C, _P, _A = Role.INSTITUTION, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER, Role.PROVINCE_ADMIN
_OWN, _REGION, _ANY = Grant(Reach.OWN), Grant(Reach.REGION), Grant(Reach.ANY)
_CITY_ISSUES: Final = Grant(Reach.REGION, _SPECIAL)

#: The rule (docs/rules.md) each action carries out; shown in refusals.
ACTION_RULES: Final = {
    Action.SUBMIT: "1",
    Action.RESUBMIT: "1",
    Action.EXCLUDE: "1",
    Action.VIEW: "11",
    Action.REVIEW: "7",
    Action.APPROVE: "7",
    Action.NOTICE: "8",
    Action.OBJECT: "8",
    Action.RESOLVE: "8",
    Action.HOLD: "9",
    Action.ISSUE: "6, 9",
    Action.REVOKE: "6, 9",
    Action.REISSUE: "6, 9",
    Action.REPLACE: "6, 9",
    Action.CERTIFICATES: "10",
    Action.DOCUMENTS: "9, 15",
    Action.TEST_PRINT: "9",
    Action.PHOTOS: "9, 14",
    Action.EXPORT: "9",
    Action.READ_IDENTITY: "14, 15",
    Action.ROTATE_KEK: "14, 15",
    Action.FEED: "14, 15",
    Action.LEGACY_IMPORT: "9, 11",
}

POLICY: Final[dict[Action, dict[Role, Grant]]] = {
    Action.SUBMIT: {_I: _OWN, _A: _ANY},
    Action.RESUBMIT: {_I: _OWN, _A: _ANY},
    Action.EXCLUDE: {_I: _OWN, _A: _ANY},
    Action.VIEW: {_I: _OWN, _C: _REGION, _P: _ANY, _A: _ANY},
    Action.REVIEW: {_C: _REGION, _A: _ANY},
    Action.APPROVE: {_P: _ANY, _A: _ANY},
    Action.NOTICE: {_I: _OWN, _A: _ANY},
    Action.OBJECT: {_C: _REGION, _P: _ANY, _A: _ANY},
    Action.RESOLVE: {_C: _REGION, _P: _ANY, _A: _ANY},
    Action.HOLD: {_C: _REGION, _P: _ANY, _A: _ANY},
    Action.ISSUE: {_C: _CITY_ISSUES, _A: _ANY},
    Action.REVOKE: {_C: _CITY_ISSUES, _A: _ANY},
    Action.REISSUE: {_C: _CITY_ISSUES, _A: _ANY},
    Action.REPLACE: {_C: _CITY_ISSUES, _A: _ANY},
    Action.CERTIFICATES: {_I: _OWN, _C: _REGION, _P: _ANY, _A: _ANY},
    Action.DOCUMENTS: {_I: _OWN, _C: _CITY_ISSUES, _A: _ANY},
    #: The roles that print documents; the page holds no record, so no reach applies.
    Action.TEST_PRINT: {_I: _ANY, _C: _ANY, _A: _ANY},
    Action.PHOTOS: {_I: _OWN, _C: _CITY_ISSUES, _A: _ANY},
    Action.EXPORT: {_P: _ANY, _A: _ANY},
    Action.READ_IDENTITY: {_A: _ANY},
    Action.ROTATE_KEK: {_A: _ANY},
    Action.FEED: {_A: _ANY},
    Action.LEGACY_IMPORT: {_A: _ANY},
}


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """What the action is on: the institution (and its region) the batch or certificate belongs to, its
    certificate kind, and the 404 message an unknown one of its sort gets (answered to other institutions)."""

    institution_code: str
    region_code: str
    kind: str | None = None
    missing: str = "不存在 / not found"


#: An action on no particular batch or certificate (an export, a listing).
NOWHERE: Final = Target(institution_code="", region_code="")


def same_prefecture(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a[:4] == b[:4]


def allowed_roles(action: Action) -> tuple[Role, ...]:
    return tuple(POLICY[action])


def authorise(principal: Principal, action: Action, target: Target = NOWHERE) -> None:
    """Raise :class:`Forbidden` (403, naming the rule and who may) unless ``principal`` may do ``action`` on
    ``target``; :class:`NotFoundError` (``target.missing``) for an institution reaching another's records."""
    zh, en = action.label_zh, action.label_en
    rule = ACTION_RULES[action]
    grant = POLICY[action].get(principal.role)
    if grant is None:
        roles = allowed_roles(action)
        raise Forbidden(
            f"{zh}：仅限{'、'.join(r.label_zh for r in roles)}（规则{rule}） / {en}: only for "
            f"{', '.join(r.value for r in roles)} (rule {rule}; this caller is {principal.role.value})"
        )
    if grant.reach is Reach.OWN and target.institution_code != principal.org_code:
        raise NotFoundError(target.missing)
    if grant.reach is Reach.REGION and not same_prefecture(principal.region_code, target.region_code):
        raise Forbidden(
            f"{zh}：市州鉴定中心只能处理本地区机构的记录（机构所在地 {target.region_code}） / {en}: a city centre "
            f"acts only on records of institutions in its region (institution in {target.region_code}, centre "
            f"{principal.org_code} in {principal.region_code})"
        )
    if grant.kinds is not None and target.kind not in grant.kinds:
        raise Forbidden(
            f"{zh}：市州鉴定中心只办理专项职业能力证书，其他证书由省鉴定中心管理员办理（规则{rule}） / {en}: a city "
            f"centre handles special-ability certificates only; other kinds are for province_admin (rule {rule})"
        )


def visible_scope(principal: Principal) -> tuple[str | None, str | None]:
    """What a principal may list: ``(institution_code, region_prefix)``; ``(None, None)`` is everything."""
    authorise_listing(principal)
    if principal.role is Role.INSTITUTION:
        return principal.org_code, None
    if principal.role is Role.CITY_REVIEWER:
        if not principal.region_code:  # tokens are only made for existing centres; never widen to "all"
            raise Forbidden(f"市州鉴定中心 {principal.org_code} 不存在 / no city centre {principal.org_code}")
        return None, principal.region_code[:4]
    return None, None


def authorise_listing(principal: Principal) -> None:
    """Every role may list batches (within its reach); kept as a call so that the table is the one place."""
    if principal.role not in POLICY[Action.VIEW]:
        authorise(principal, Action.VIEW)


def no_batch(batch_id: int) -> str:
    """The 404 message of an unknown batch (and of another institution's, to an institution)."""
    return f"批次 {batch_id} 不存在 / no batch {batch_id}"


def batch_target(batch_id: int, institution_code: str, region_code: str, kind: str | None = None) -> Target:
    return Target(institution_code=institution_code, region_code=region_code, kind=kind, missing=no_batch(batch_id))


def permits(principal: Principal, action: Action, target: Target) -> bool:
    """Whether :func:`authorise` lets ``principal`` do ``action`` on ``target``: what a page offers (a button
    the server would refuse is not shown); the action is judged again by :func:`authorise` when asked."""
    try:
        authorise(principal, action, target)
    except (Forbidden, NotFoundError):
        return False
    return True


def certificate_target(number: str, institution_code: str, region_code: str, kind: str) -> Target:
    return Target(
        institution_code=institution_code,
        region_code=region_code,
        kind=kind,
        missing=f"证书 {number} 不存在 / no certificate {number}",
    )


def institution_target(code: str, region_code: str) -> Target:
    return Target(
        institution_code=code, region_code=region_code, missing=f"鉴定机构 {code} 不存在 / no institution {code}"
    )
