"""The decoy a miss is processed with (verify/decoys.py) is a real result row and a real signed statement,
so a miss does a hit's work; a column added to the view query must be added to the decoy too."""

from __future__ import annotations

from registry.statement import verify_statement
from verify.answers import certificate_answer
from verify.decoys import DECOY_KEYSET, DECOY_ROW, DECOY_SIGNATURE, DECOY_STATEMENT, decoy_view
from verify.queries import _VIEW_COLUMNS, _view_of


def test_the_decoy_row_has_every_column_of_the_view_query() -> None:
    assert len(DECOY_ROW) == len(_VIEW_COLUMNS)
    assert _view_of(DECOY_ROW).statement == DECOY_STATEMENT


def test_the_decoy_statement_verifies_under_the_decoy_key_set_only() -> None:
    verify_statement(DECOY_STATEMENT, DECOY_SIGNATURE, DECOY_KEYSET)
    assert certificate_answer(decoy_view("S000043000101263900001"), DECOY_KEYSET).reason == "valid"
