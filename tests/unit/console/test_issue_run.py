"""What the issue progress page reads: the stage, the rows done, when the checks are past."""

from __future__ import annotations

from issuer.console.screens.issuing import IssueRun


async def test_a_run_reports_its_stages() -> None:
    run = IssueRun(7, "console:admin:province_admin:430000")
    assert (run.stage, run.percent, run.running, run.past_checks) == ("start", 0, False, False)
    run.progress("check", 0, 2000)
    assert not run.checked.is_set()  # a refusal may still come: the POST keeps waiting
    run.progress("sign", 0, 2000)
    assert run.checked.is_set()
    run.progress("store", 500, 2000)
    assert run.percent == 25
    run.progress("done", 2000, 2000)
    assert run.percent == 100
