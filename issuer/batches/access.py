"""Who may do what to a batch (issue 4, "Who may do what"). Pure: the services call :func:`authorise`.

=============  ==============  ====================  =================  ==============
action         institution     city reviewer         province reviewer  province admin
=============  ==============  ====================  =================  ==============
submit         own             —                     —                  any
resubmit       own             —                     —                  any
exclude        own             —                     —                  any
view / list    own             its region            any                any
review (city)  —               its region            —                  any
approve        —               —                     any                any
notice         own             —                     —                  any
objection      —               its region            any                any
resolve        —               its region            any                any
hold           —               its region            any                any
=============  ==============  ====================  =================  ==============

"Its region": the institution's region code and the city centre's share the first four digits (the
prefecture). The notice is started by the institution, which publishes its own results (002 §4(2):
"试点技工院校对认定结果进行公示"), once the reviews are done; objections are received and resolved by the
centres that supervise it, never by the institution whose results are objected to. The same centres hold
rows that cannot be issued (issuing re-checks them) so that the others can be: they resolve what they hold.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import msgspec

from issuer.auth import ROLE_LABELS_ZH, Principal, Role
from issuer.errors import Forbidden


class Action(StrEnum):
    SUBMIT = "submit"
    RESUBMIT = "resubmit"
    EXCLUDE = "exclude"
    VIEW = "view"
    REVIEW = "review"
    APPROVE = "approve"
    NOTICE = "notice"
    OBJECT = "objection"
    RESOLVE = "resolve"
    HOLD = "hold"


ACTION_LABELS: Final = {
    Action.SUBMIT: ("提交批次", "submit a batch"),
    Action.RESUBMIT: ("重新提交批次", "resubmit a batch"),
    Action.EXCLUDE: ("剔除批次中的行", "exclude rows of a batch"),
    Action.VIEW: ("查看批次", "view a batch"),
    Action.REVIEW: ("市州审核", "review a batch (city)"),
    Action.APPROVE: ("省级批准", "approve a batch (province)"),
    Action.NOTICE: ("启动公示", "start the public notice"),
    Action.OBJECT: ("登记异议", "record an objection"),
    Action.RESOLVE: ("处理暂缓的行（异议或暂缓发证）", "resolve held rows (an objection or a hold)"),
    Action.HOLD: ("暂缓发证", "hold rows back from issuing"),
}

_OWN, _REGION, _ANY = "own", "region", "any"
_I, _C, _P, _A = Role.INSTITUTION, Role.CITY_REVIEWER, Role.PROVINCE_REVIEWER, Role.PROVINCE_ADMIN
POLICY: Final[dict[Action, dict[Role, str]]] = {
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
}


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    """Who acts: role and organisation, how events name them, and a city centre's region."""

    role: Role
    org_code: str
    actor: str
    #: The region code of a city reviewer's centre (``None`` for the other roles).
    region_code: str | None = None

    @classmethod
    def of(cls, principal: Principal, *, region_code: str | None = None) -> Caller:
        return cls(role=principal.role, org_code=principal.org_code, actor=principal.actor, region_code=region_code)


class Target(msgspec.Struct, frozen=True):
    """What the action is on: the batch's institution and that institution's region."""

    institution_code: str
    region_code: str


def same_prefecture(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a[:4] == b[:4]


def authorise(caller: Caller, action: Action, target: Target) -> None:
    """Raise :class:`Forbidden` (403) unless ``caller`` may do ``action`` on ``target``; names the rule."""
    zh, en = ACTION_LABELS[action]
    reach = POLICY[action].get(caller.role)
    if reach is None:
        roles = POLICY[action]
        raise Forbidden(
            f"{zh}：仅限{'、'.join(ROLE_LABELS_ZH[r] for r in roles)} / {en}: only for "
            f"{', '.join(r.value for r in roles)} (this token is {caller.role.value})"
        )
    if reach == _OWN and target.institution_code != caller.org_code:
        raise Forbidden(
            f"{zh}：鉴定机构只能处理本机构的批次（批次属于 {target.institution_code}） / {en}: an institution acts "
            f"only on its own batches (this one belongs to {target.institution_code}, the token to {caller.org_code})"
        )
    if reach == _REGION and not same_prefecture(caller.region_code, target.region_code):
        raise Forbidden(
            f"{zh}：市州鉴定中心只能处理本地区机构的批次（机构所在地 {target.region_code}） / {en}: a city centre "
            f"acts only on batches of institutions in its region (institution in {target.region_code}, centre "
            f"{caller.org_code} in {caller.region_code})"
        )


def visible_scope(caller: Caller) -> tuple[str | None, str | None]:
    """What a caller may list: ``(institution_code, region_prefix)``; ``(None, None)`` is everything."""
    if caller.role is Role.INSTITUTION:
        return caller.org_code, None
    if caller.role is Role.CITY_REVIEWER:
        if not caller.region_code:  # tokens are only made for existing centres; never widen to "all"
            raise Forbidden(f"市州鉴定中心 {caller.org_code} 不存在 / no city centre {caller.org_code}")
        return None, caller.region_code[:4]
    return None, None
