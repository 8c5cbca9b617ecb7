"""Who may issue, print and change certificates, and export the feed: the whole matrix, 401 and 403."""

from __future__ import annotations

from issuer.auth import Role, create_token, resolve_token, revoke_token
from issuer.issuing.service import issue_batch
from registry.rules.profiles import HUNAN
from registry.vocab import CertificateKind
from tests.factories import EMBROIDERY, HOLDER_IDS, PROVINCE, SITE, issue_test_certificates
from tests.factories.world import holder_name
from tests.integration.issuing.batches import (
    OPERATOR,
    SPECIAL,
    Row,
    add_projects,
    clean_projects,
    rows_of,
    workflow_batch,
)
from tests.integration.issuing.conftest import Api

ROLES = ("none", "province_admin", "province_reviewer", "city", "other_city", "institution", "site")


async def test_who_may_issue_a_batch(api: Api) -> None:
    observed: dict[tuple[str, str], int] = {}
    for kind in ("skill_level", "special_ability"):
        for index, role in enumerate(ROLES):
            extra = SPECIAL if kind == "special_ability" else {}
            # another holder per batch: a holder issued twice the same certificate would be a duplicate (422)
            holder = (
                Row(name=holder_name(index), subject=EMBROIDERY, level=0) if extra else Row(name=holder_name(index))
            )
            rows = [holder]
            batch_id = await workflow_batch(api.world.database, rows, **extra)
            response = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers[role])
            observed[(kind, role)] = response.status_code
            if response.status_code == 403:
                assert " / " in response.json()["error"]  # Chinese / English, naming the rule
    assert observed == {
        ("skill_level", "none"): 401,
        ("skill_level", "province_admin"): 200,
        ("skill_level", "province_reviewer"): 403,
        ("skill_level", "city"): 403,  # a city centre issues special-ability certificates only
        ("skill_level", "other_city"): 403,
        ("skill_level", "institution"): 403,
        ("skill_level", "site"): 403,
        ("special_ability", "none"): 401,
        ("special_ability", "province_admin"): 200,
        ("special_ability", "province_reviewer"): 403,
        ("special_ability", "city"): 200,
        ("special_ability", "other_city"): 403,  # not its region
        ("special_ability", "institution"): 403,
        ("special_ability", "site"): 403,  # an institution never issues
    }


async def test_the_403_names_the_rule(api: Api) -> None:
    batch_id = await workflow_batch(api.world.database, rows_of(1))
    city = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["city"])
    institution = await api.client.post(f"/v1/batches/{batch_id}/issue", headers=api.headers["institution"])
    assert "special-ability certificates only" in city.json()["error"]
    assert "only for city_reviewer, province_admin (rule 6, 9" in institution.json()["error"]
    # each language names the action once, in its own language
    assert institution.json()["error"].startswith("发证：仅限")
    assert " / issue a batch: only for city_reviewer, province_admin" in institution.json()["error"]
    assert institution.json()["error"].count("issue a batch") == 1


async def test_who_may_get_qr_codes(api: Api) -> None:
    world = api.world
    batch_id = await workflow_batch(world.database, rows_of(1))
    result = await issue_batch(world.database, world.store, HUNAN, batch_id, caller=OPERATOR)
    number = result.numbers[0]
    observed = {}
    for role in (*ROLES, "station"):
        zipped = await api.client.get(f"/v1/batches/{batch_id}/qr.zip", headers=api.headers[role])
        svg = await api.client.get(f"/v1/certificates/{number}/qr.svg", headers=api.headers[role])
        png = await api.client.get(f"/v1/certificates/{number}/qr.png", headers=api.headers[role])
        observed[role] = (zipped.status_code, svg.status_code, png.status_code)
    assert observed == {
        "none": (401, 401, 401),
        "province_admin": (200, 200, 200),
        "province_reviewer": (200, 200, 200),
        "city": (200, 200, 200),  # the institution is in its region
        "other_city": (403, 403, 403),
        "institution": (200, 200, 200),  # its own certificates
        "site": (404, 404, 404),  # another institution's: the 404 of an unknown one (issue 10 item 9)
        "station": (404, 404, 404),
    }


async def test_who_may_revoke_reissue_and_replace(api: Api) -> None:
    world = api.world
    projects = clean_projects(len(ROLES))  # one scope per role: see clean_projects
    await add_projects(world.database, projects)
    holders = [("张三", HOLDER_IDS[0]), ("李四", HOLDER_IDS[1]), ("王五", HOLDER_IDS[2])]
    reason = {"reason": "测试 / test"}
    observed = {}
    for kind in (CertificateKind.SKILL_LEVEL, CertificateKind.SPECIAL_ABILITY):
        for role, project in zip(ROLES, projects, strict=True):
            if kind is CertificateKind.SPECIAL_ABILITY:
                made = await issue_test_certificates(
                    world.database, world.store, holders, kind=kind, subject=project, institution=SITE
                )
            else:
                made = await issue_test_certificates(world.database, world.store, holders)
            headers = api.headers[role]
            revoke = await api.client.post(f"/v1/certificates/{made[0].number}/revoke", json=reason, headers=headers)
            reissue = await api.client.post(f"/v1/certificates/{made[1].number}/reissue", json=reason, headers=headers)
            corrected = {**reason, "holder_name": "王伍"}
            replace = await api.client.post(
                f"/v1/certificates/{made[2].number}/replace", json=corrected, headers=headers
            )
            observed[(kind.value, role)] = (revoke.status_code, reissue.status_code, replace.status_code)
    denied, unauthenticated = (403, 403, 403), (401, 401, 401)
    assert observed == {
        ("skill_level", "none"): unauthenticated,
        ("skill_level", "province_admin"): (200, 201, 201),
        ("skill_level", "province_reviewer"): denied,
        ("skill_level", "city"): denied,
        ("skill_level", "other_city"): denied,
        ("skill_level", "institution"): denied,
        ("skill_level", "site"): denied,
        ("special_ability", "none"): unauthenticated,
        ("special_ability", "province_admin"): (200, 201, 201),
        ("special_ability", "province_reviewer"): denied,
        ("special_ability", "city"): (200, 201, 201),  # the city centre that issues them
        ("special_ability", "other_city"): denied,
        ("special_ability", "institution"): denied,
        ("special_ability", "site"): denied,
    }


async def test_who_may_export(api: Api) -> None:
    observed = {}
    for role in ROLES:
        response = await api.client.get("/v1/exports/certificates", headers=api.headers[role])
        observed[role] = response.status_code
    assert observed == {
        "none": 401,
        "province_admin": 200,
        "province_reviewer": 200,
        "city": 403,
        "other_city": 403,
        "institution": 403,
        "site": 403,
    }


async def test_a_bad_token_is_401_on_every_issuing_endpoint(api: Api) -> None:
    """Not only a missing token: an unknown one, a malformed header and a revoked token are refused too."""
    world = api.world
    batch_id = await workflow_batch(world.database, rows_of(1))
    number = (await issue_batch(world.database, world.store, HUNAN, batch_id, caller=OPERATOR)).numbers[0]
    async with world.database.transaction() as session:
        revoked = await create_token(session, org_code=PROVINCE, role=Role.PROVINCE_ADMIN)
        token_id = (await resolve_token(session, revoked)).token_id  # type: ignore[union-attr]
        assert token_id is not None
        await revoke_token(session, token_id)
    bad_headers = {
        "unknown": {"Authorization": "Bearer not-a-real-token"},
        "no scheme": {"Authorization": "not-a-real-token"},
        "basic": {"Authorization": "Basic dXNlcjpwYXNz"},
        "empty bearer": {"Authorization": "Bearer "},
        "revoked": {"Authorization": f"Bearer {revoked}"},
    }
    calls = [
        ("POST", f"/v1/batches/{batch_id}/issue", None),
        ("GET", f"/v1/batches/{batch_id}/qr.zip", None),
        ("GET", f"/v1/certificates/{number}/qr.svg", None),
        ("GET", f"/v1/certificates/{number}/qr.png", None),
        ("POST", f"/v1/certificates/{number}/revoke", {"reason": "测试"}),
        ("POST", f"/v1/certificates/{number}/reissue", {"reason": "测试"}),
        ("GET", "/v1/exports/certificates", None),
    ]
    for label, headers in bad_headers.items():
        for method, path, body in calls:
            response = await api.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 401, (label, method, path, response.text)
            assert " / " in response.json()["error"], (label, path)
    # nothing changed: the certificate is still valid and issued once
    still = await api.client.get(f"/v1/certificates/{number}/qr.png", headers=api.headers["province_admin"])
    assert still.status_code == 200


async def test_two_authorization_headers_are_refused(api: Api) -> None:
    """The first of two was believed, whichever a proxy in front checked; now neither is. One header holding
    two tokens (joined by a comma, as a proxy joins two) is refused too, and the message says why: it said
    "send the header once" to a client that had sent it once."""
    good = api.headers["province_admin"]["Authorization"]
    joined = [f"{good},Bearer not-a-real-token"]
    for pair in ([good, "Bearer not-a-real-token"], ["Bearer not-a-real-token", good], [good, good], joined):
        response = await api.client.get(
            "/v1/exports/certificates", headers=[("Authorization", value) for value in pair]
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"] == (
            "Authorization 请求头只能有一个，且只含一个令牌（不能有逗号） / "
            "send one Authorization header holding one token (no comma)"
        )
