"""Issue 11: the province's rules judged at upload (``POST /v1/batches``), each row answered with the rule of
docs/rules.md it breaks — the kinds a filing allows (rule 1), a suspension of one occupation (rule 2), the
province centre's consent to a Hunan school's level 3 and above (rule 5a) — not later at numbering."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, update

from issuer.auth import Role, create_token
from registry.db import Database
from registry.models import Filing, FilingScope, FilingStatusChange, Institution
from tests.factories import CARER, CITY, ELECTRICIAN, SKILL_INSTITUTION, WELDER
from tests.factories.world import add_filing, resident_id
from tests.integration.batches.helpers import Client, bilingual, csv_file, submit

SCHOOL = "S000043000299"  # 技师学院 with a skill-level pilot filing for 电工, levels 1–5


def problems(body: Any) -> dict[int, list[tuple[str, str]]]:
    return {row["row"]: [(p["code"], p["rule"]) for p in row["problems"]] for row in body["bad_rows"]}


async def file_welder_for_skill_levels(database: Database) -> None:
    """The evaluation organisation's filing also covers 焊工 (in the qualification catalogue), for skill
    levels only."""
    async with database.transaction() as session:
        filing_id = await session.scalar(select(Filing.id).where(Filing.institution_code == SKILL_INSTITUTION))
        session.add(
            FilingScope(
                filing_id=filing_id, subject_type="occupation", subject_code=WELDER, levels="345", kinds="skill_level"
            )
        )


async def test_a_skill_level_filing_does_not_allow_a_qualification_batch(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    await file_welder_for_skill_levels(world)
    form = {"institution": SKILL_INSTITUTION, "kind": "qualification", "assessed_on": "2025-06-01"}
    body = await submit(client, tokens["institution"], csv_file([["张三", resident_id(1), WELDER, "4"]]), form)
    assert problems(body) == {2: [("scope.kind_not_filed", "1")]}
    problem = body["bad_rows"][0]["problems"][0]
    assert problem["field"] == "kind"
    assert "职业资格证书" in problem["message_zh"]
    assert "does not allow a vocational qualification certificate" in problem["message_en"]
    assert bilingual(f"{problem['message_zh']} / {problem['message_en']}")
    assert body["batch"]["counts"]["bad"] == 1  # the batch cannot advance with it (nothing waits for numbering)


async def test_a_suspension_of_one_occupation_refuses_that_occupation_only(
    client: Client, tokens: dict[str, str], world: Database
) -> None:
    async with world.transaction() as session:
        filing_id = await session.scalar(select(Filing.id).where(Filing.institution_code == SKILL_INSTITUTION))
        session.add(
            FilingStatusChange(
                filing_id=filing_id, status="suspended", effective_on=date(2025, 5, 1), reason="整改",
                subject_code=ELECTRICIAN,
            )
        )  # fmt: skip
    form = {"institution": SKILL_INSTITUTION, "kind": "skill_level", "assessed_on": "2025-06-01"}
    rows = [["张三", resident_id(1), ELECTRICIAN, "4"], ["李四", resident_id(2), CARER, "4"]]
    body = await submit(client, tokens["institution"], csv_file(rows), form)
    assert problems(body) == {2: [("filing.part_suspended", "2")]}
    assert "2025-05-01" in body["bad_rows"][0]["problems"][0]["message_en"]
    before = await submit(client, tokens["institution"], csv_file(rows[:1]), {**form, "assessed_on": "2025-04-30"})
    assert before["bad_rows"] == []


async def add_school(database: Database, *, consent_on: date | None) -> str:
    """A technician college (rule 4 allows it every level) with a skill-level pilot filing for 电工, and a
    token of its own."""
    async with database.transaction() as session:
        session.add(
            Institution(
                code=SCHOOL, name="长沙示例技师学院", kind="technician_college", owner="local",
                uscc="12430100MB0000011K", region_code="430102", filing_authority_code=CITY,
            )
        )  # fmt: skip
        await session.flush()
        await add_filing(
            session, SCHOOL, "长人社技备〔2025〕9号", filed_by=CITY, valid=(date(2025, 1, 1), date(2025, 12, 31)),
            scopes=[("occupation", ELECTRICIAN, "12345", "skill_level")], active_on=date(2025, 1, 1), pilot=True,
            consent_on=consent_on,
        )  # fmt: skip
        return await create_token(session, org_code=SCHOOL, role=Role.INSTITUTION, label="school")


async def test_a_hunan_school_needs_the_province_centres_consent_for_level_3_and_above(
    client: Client, world: Database
) -> None:
    token = await add_school(world, consent_on=None)
    form = {"institution": SCHOOL, "kind": "skill_level", "assessed_on": "2025-06-01"}
    rows = [["张三", resident_id(1), ELECTRICIAN, "3"], ["李四", resident_id(2), ELECTRICIAN, "4"]]
    body = await submit(client, token, csv_file(rows), form)
    assert problems(body) == {2: [("scope.consent_required", "5a")]}
    assert "省鉴定中心同意" in body["bad_rows"][0]["problems"][0]["message_zh"]
    async with world.transaction() as session:
        await session.execute(update(FilingScope).where(FilingScope.subject_code == ELECTRICIAN).values(
            consent_on=date(2025, 3, 1)))  # fmt: skip
    again = await submit(client, token, csv_file([["王五", resident_id(3), ELECTRICIAN, "2"]]), form)
    assert again["bad_rows"] == []
