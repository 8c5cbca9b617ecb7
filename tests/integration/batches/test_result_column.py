"""A results sheet exported with every candidate and a 考核结果 (pass or fail) column: only those who passed get a
certificate (000 §1(1), 002 §4(4): "合格人员核发"). The column was listed in ``ignored_columns`` and every row
was ``ok``: a candidate marked 不合格 was certified without a word (docs/batches.md, "Row checks")."""

from __future__ import annotations

from typing import Any

from tests.integration.batches.helpers import HEADER, Client, bilingual, csv_file, good_rows, post_batch


async def test_a_row_the_results_column_marks_failed_is_a_bad_row(client: Client, tokens: dict[str, str]) -> None:
    results = ["合格", "通过", "", "不合格", "缺考", "待定"]
    rows = [[*row, result] for row, result in zip(good_rows(6, start=40), results, strict=True)]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows, (*HEADER, "鉴定结果")))
    assert submitted.status_code == 201, submitted.text
    answer: Any = submitted.json()
    assert "鉴定结果" not in answer["ignored_columns"]
    codes = {row["row"]: [(p["code"], p["column"]) for p in row["problems"]] for row in answer["bad_rows"]}
    assert codes == {
        5: [("result.not_passed", "鉴定结果")],
        6: [("result.not_passed", "鉴定结果")],
        7: [("result.unknown", "鉴定结果")],
    }
    failed = answer["bad_rows"][0]["problems"][0]
    assert bilingual(f"{failed['message_zh']} / {failed['message_en']}")
    assert "不合格" in failed["message_zh"]
    assert "only candidates who passed" in failed["message_en"]
    assert answer["batch"]["counts"]["ok"] == 3  # passed, and an empty cell: the file lists who passed


async def test_a_pass_or_fail_column_in_english_or_as_a_question(client: Client, tokens: dict[str, str]) -> None:
    rows = [[*row, result] for row, result in zip(good_rows(2, start=50), ["是", "否"], strict=True)]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows, (*HEADER, "是否合格")))
    assert [row["row"] for row in submitted.json()["bad_rows"]] == [3]
    rows = [[*row, result] for row, result in zip(good_rows(2, start=52), ["Pass", "FAIL"], strict=True)]
    submitted = await post_batch(client, tokens["institution"], csv_file(rows, (*HEADER, "result")))
    assert [row["row"] for row in submitted.json()["bad_rows"]] == [3]


async def test_an_id_number_typed_in_the_result_or_date_column_is_not_echoed(
    client: Client, tokens: dict[str, str]
) -> None:
    """Both messages name the cell's value: a document number typed there (a column shifted by one) is masked."""
    (row,) = good_rows(1, start=60)
    submitted = await post_batch(
        client, tokens["institution"], csv_file([[*row, row[1], row[1]]], (*HEADER, "结果", "考核日期"))
    )
    problems = [p for bad in submitted.json()["bad_rows"] for p in bad["problems"]]
    assert [p["code"] for p in problems] == ["assessed_on.format", "result.unknown"]
    assert all(row[1] not in p["message_zh"] + p["message_en"] for p in problems)
    assert all(f"{row[1][:2]}**************{row[1][-2:]}" in p["message_en"] for p in problems)
