"""The one access policy: role × action × own/other organisation, certificate kinds, and the messages."""

from __future__ import annotations

import pytest

from issuer.auth import Principal, Role
from issuer.auth.policy import ACTION_RULES, POLICY, Action, Target, authorise, visible_scope
from issuer.errors import Forbidden
from registry.errors import NotFoundError

OWN = Target(institution_code="S000043000101", region_code="430102", kind="special_ability", missing="no batch 1")
OTHER = Target(institution_code="S000043000201", region_code="430202", kind="special_ability", missing="no batch 2")
CALLERS = {
    "institution": Principal.for_token(1, role=Role.INSTITUTION, org_code="S000043000101"),
    "city": Principal.for_token(2, role=Role.CITY_REVIEWER, org_code="430100", region_code="430100"),
    "province_reviewer": Principal.for_token(3, role=Role.PROVINCE_REVIEWER, org_code="430000"),
    "province_admin": Principal.for_token(4, role=Role.PROVINCE_ADMIN, org_code="430000"),
}
_INSTITUTION = {
    Action.SUBMIT, Action.RESUBMIT, Action.EXCLUDE, Action.VIEW, Action.NOTICE, Action.CERTIFICATES,
    Action.DOCUMENTS, Action.PHOTOS,
}  # fmt: skip
_CITY = {
    Action.VIEW,
    Action.REVIEW,
    Action.OBJECT,
    Action.RESOLVE,
    Action.HOLD,
    Action.ISSUE,
    Action.REVOKE,
    Action.REISSUE,
    Action.REPLACE,
    Action.CERTIFICATES,
    Action.DOCUMENTS,
    Action.PHOTOS,
}
_PROVINCE_REVIEWER = {
    Action.VIEW,
    Action.APPROVE,
    Action.OBJECT,
    Action.RESOLVE,
    Action.HOLD,
    Action.CERTIFICATES,
    Action.EXPORT,
}
#: Actions on no record (the blank stock's test page): institutions and city centres anywhere.
_NO_RECORD = {Action.TEST_PRINT}
#: (caller, action) → allowed on its own organisation's record, allowed on another's.
EXPECTED = {
    "institution": {a: (a in _INSTITUTION | _NO_RECORD, a in _NO_RECORD) for a in Action},
    "city": {a: (a in _CITY | _NO_RECORD, a in _NO_RECORD) for a in Action},
    "province_reviewer": {a: (a in _PROVINCE_REVIEWER,) * 2 for a in Action},
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
    with pytest.raises((Forbidden, NotFoundError)) as caught:
        authorise(CALLERS[who], action, target)
    if who == "institution" and whose == "other" and action in _INSTITUTION:
        assert str(caught.value) == "no batch 2"  # the 404 of an unknown batch: no owner named
    else:
        assert " / " in str(caught.value)  # Chinese / English, naming the rule


def test_every_action_has_a_policy_and_a_rule() -> None:
    assert set(POLICY) == set(Action) == set(ACTION_RULES)


def test_forbidden_messages_name_the_rule() -> None:
    with pytest.raises(Forbidden, match=r"only for city_reviewer, province_admin \(rule 7"):
        authorise(CALLERS["institution"], Action.REVIEW, OWN)
    with pytest.raises(Forbidden, match="institutions in its region"):
        authorise(CALLERS["city"], Action.REVIEW, OTHER)


@pytest.mark.parametrize("action", [Action.READ_IDENTITY, Action.ROTATE_KEK, Action.FEED, Action.LEGACY_IMPORT])
def test_full_identities_and_legacy_imports_are_the_province_admins_alone(action: Action) -> None:
    """The former ``require_province_admin`` of the identity, feed and legacy services: rows of the table."""
    assert list(POLICY[action]) == [Role.PROVINCE_ADMIN]
    with pytest.raises(Forbidden, match=rf"only for province_admin \(rule {ACTION_RULES[action]}; this caller is"):
        authorise(CALLERS["province_reviewer"], action)


def test_an_institution_gets_the_404_of_an_unknown_record_for_another_institutions() -> None:
    with pytest.raises(NotFoundError) as caught:
        authorise(CALLERS["institution"], Action.VIEW, OTHER)
    assert "S000043000201" not in str(caught.value)


def test_a_city_centre_issues_special_ability_certificates_only() -> None:
    skill = Target(institution_code="S000043000101", region_code="430102", kind="skill_level")
    authorise(CALLERS["city"], Action.ISSUE, OWN)
    with pytest.raises(Forbidden, match="special-ability certificates only"):
        authorise(CALLERS["city"], Action.ISSUE, skill)
    authorise(CALLERS["province_admin"], Action.ISSUE, skill)


def test_one_actor_format_for_tokens_and_operators() -> None:
    token = Principal.for_token(12, role=Role.CITY_REVIEWER, org_code="430100")
    operator = Principal.for_operator("alice", role=Role.PROVINCE_ADMIN, org_code="430000")
    assert token.actor == "token:12:city_reviewer:430100"
    assert operator.actor == "cli:alice:province_admin:430000"
    assert (token.who, operator.who) == ("token:12", "cli:alice")


def test_listing_scope() -> None:
    assert visible_scope(CALLERS["institution"]) == ("S000043000101", None)
    assert visible_scope(CALLERS["city"]) == (None, "4301")
    assert visible_scope(CALLERS["province_reviewer"]) == (None, None)
    with pytest.raises(Forbidden):
        visible_scope(Principal.for_token(9, role=Role.CITY_REVIEWER, org_code="nowhere"))
