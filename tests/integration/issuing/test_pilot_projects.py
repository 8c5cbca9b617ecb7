"""Rule 6 at issue (issue 11, 003:31): six months limit a special-ability project's pilot phase, not the
project. A project published long ago issues once it is in general use; one still in its pilot phase past
the pilot's end is refused, with the rule's number."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from registry.models import AbilityProject
from tests.factories import SITE
from tests.integration.issuing.batches import add_projects, clean_projects, make_batch, rows_of
from tests.integration.issuing.conftest import Api

PUBLISHED = date(2024, 1, 15)  # pilot phase at most to 2024-07-14
ASSESSED = date(2025, 6, 1)  # long past six months


async def special_batch(api: Api, project: str) -> int:
    rows = rows_of(1, subject=project, level=0)
    return await make_batch(api.world.database, rows, institution=SITE, kind="special_ability", assessed_on=ASSESSED)


async def test_a_project_past_six_months_issues_once_in_general_use_and_not_while_still_a_pilot(api: Api) -> None:
    active, pilot, late = clean_projects(3, sequences=1)
    await add_projects(api.world.database, [active, pilot, late])
    phases = {  # code → (status today, in general use from)
        active: ("active", date(2024, 9, 1)),
        pilot: ("pilot", None),
        late: ("active", date(2025, 9, 1)),  # in general use only after the assessment
    }
    async with api.world.database.transaction() as session:
        for code, (status, active_from) in phases.items():
            await session.execute(
                update(AbilityProject).where(AbilityProject.code == code)
                .values(status=status, published_on=PUBLISHED, active_from=active_from)
            )  # fmt: skip
    issued = await api.client.post(f"/v1/batches/{await special_batch(api, active)}/issue", headers=api.headers["city"])
    assert issued.status_code == 200, issued.text
    assert issued.json()["issued_count"] == 1
    for project in (pilot, late):  # judged on the assessment date, not by today's status
        refused = await api.client.post(
            f"/v1/batches/{await special_batch(api, project)}/issue", headers=api.headers["city"]
        )
        assert refused.status_code == 422, refused.text
        body = refused.json()
        assert [p["code"] for p in body["errors"]] == ["project.pilot_expired"]
        assert "2024-07-14" in body["errors"][0]["message"]
