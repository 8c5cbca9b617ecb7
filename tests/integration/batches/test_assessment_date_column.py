"""A 考核日期 (assessment date) column in an upload is checked, not ignored: each filled cell must be a date,
not after today, and the batch's own assessment date (the form's ``assessed_on``, which rules 1–6 judge every
row on and the certificates carry). Before, the column was listed in ``ignored_columns`` and a row assessed on
another day was judged and certified on the form's date (docs/batches.md, "Row checks")."""

from __future__ import annotations

from typing import Any

from tests.integration.batches.helpers import HEADER, Client, bilingual, csv_file, good_rows, post_batch

DATED = (*HEADER, "考核日期")


async def test_the_assessment_date_column_must_be_the_batchs_date(client: Client, tokens: dict[str, str]) -> None:
    rows = [
        [*row, date]
        for row, date in zip(
            good_rows(7),
            ["2025-06-01", "2025/6/1", "2025年6月1日", "", "2025-05-31", "2099-01-01", "上周"],
            strict=True,
        )
    ]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows, DATED))
    assert submitted.status_code == 201, submitted.text
    answer: Any = submitted.json()
    assert "考核日期" not in answer["ignored_columns"]
    bad = {row["row"]: row["problems"] for row in answer["bad_rows"]}
    assert sorted(bad) == [6, 7, 8]  # rows 2–5: the batch's date written three ways, and an empty cell
    codes = {row: [(p["code"], p["field"], p["column"]) for p in problems] for row, problems in bad.items()}
    assert codes == {
        6: [("assessed_on.other", "assessed_on", "考核日期")],
        7: [("assessed_on.future", "assessed_on", "考核日期")],
        8: [("assessed_on.format", "assessed_on", "考核日期")],
    }
    other = bad[6][0]
    assert bilingual(f"{other['message_zh']} / {other['message_en']}")
    assert "2025-05-31" in other["message_en"]
    assert "2025-06-01" in other["message_en"]


async def test_a_date_cell_that_is_no_date_says_what_it_holds(client: Client, tokens: dict[str, str]) -> None:
    """A date column not formatted as dates shows Excel's serial numbers (``45809``), and a CSV export saves
    them so: said so, with the date it stands for, and the column to format. Any other cell that is no date
    (29 February of a year without one) is named by its value; "is not a date" alone left the clerk
    looking at a cell that reads like one."""
    rows = [[*row, value] for row, value in zip(good_rows(2, start=30), ["45809", "2025-02-29"], strict=True)]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows, DATED))
    assert submitted.status_code == 201, submitted.text
    problems = [p for row in submitted.json()["bad_rows"] for p in row["problems"]]
    assert [(p["row"], p["code"]) for p in problems] == [(2, "assessed_on.serial"), (3, "assessed_on.format")]
    serial, impossible = problems
    assert bilingual(f"{serial['message_zh']} / {serial['message_en']}")
    assert "45809" in serial["message_zh"]
    assert "2025-06-01" in serial["message_zh"]
    assert "format the column as dates" in serial["message_en"]
    assert "2025-02-29" in impossible["message_en"]
