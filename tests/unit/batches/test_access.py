"""The whole authorisation policy of the batch actions: role × action × own/other organisation."""

from __future__ import annotations

import pytest

from issuer.auth import Role
from issuer.batches.access import POLICY, Action, Caller, Target, authorise, visible_scope
from issuer.errors import Forbidden

OWN = Target("S000043000101", "430102")
OTHER = Target("S000043000201", "430202")
CALLERS = {
    "institution": Caller(role=Role.INSTITUTION, org_code="S000043000101", actor="t"),
    "city": Caller(role=Role.CITY_REVIEWER, org_code="430100", actor="t", region_code="430100"),
    "province_reviewer": Caller(role=Role.PROVINCE_REVIEWER, org_code="430000", actor="t"),
    "province_admin": Caller(role=Role.PROVINCE_ADMIN, org_code="430000", actor="t"),
}
#: (caller, action) → allowed on its own organisation's batch, allowed on another's.
EXPECTED = {
    "institution": {a: (a in {Action.SUBMIT, Action.RESUBMIT, Action.EXCLUDE, Action.VIEW, Action.NOTICE}, False)
                    for a in Action},
    "city": {a: (a in {Action.VIEW, Action.REVIEW, Action.OBJECT, Action.RESOLVE, Action.HOLD}, False)
             for a in Action},
    "province_reviewer": {a: (ok, ok) for a in Action
                          for ok in [a in {Action.VIEW, Action.APPROVE, Action.OBJECT, Action.RESOLVE, Action.HOLD}]},
    "province_admin": dict.fromkeys(Action, (True, True)),
}  # fmt: skip


@pytest.mark.parametrize("who", sorted(CALLERS))
@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("whose", ["own", "other"])
def test_policy_matrix(who: str, action: Action, whose: str) -> None:
    allowed = EXPECTED[who][action][0 if whose == "own" else 1]
    target = OWN if whose == "own" else OTHER
    if allowed:
        authorise(CALLERS[who], action, target)
        return
    with pytest.raises(Forbidden) as caught:
        authorise(CALLERS[who], action, target)
    assert " / " in str(caught.value)  # Chinese / English, naming the rule


def test_every_action_has_a_policy() -> None:
    assert set(POLICY) == set(Action)


def test_forbidden_messages_name_the_rule() -> None:
    with pytest.raises(Forbidden, match="only for city_reviewer, province_admin"):
        authorise(CALLERS["institution"], Action.REVIEW, OWN)
    with pytest.raises(Forbidden, match="only on its own batches"):
        authorise(CALLERS["institution"], Action.VIEW, OTHER)
    with pytest.raises(Forbidden, match="institutions in its region"):
        authorise(CALLERS["city"], Action.REVIEW, OTHER)


def test_listing_scope() -> None:
    assert visible_scope(CALLERS["institution"]) == ("S000043000101", None)
    assert visible_scope(CALLERS["city"]) == (None, "4301")
    assert visible_scope(CALLERS["province_reviewer"]) == (None, None)
    with pytest.raises(Forbidden):
        visible_scope(Caller(role=Role.CITY_REVIEWER, org_code="nowhere", actor="t"))
