"""A database failure on the read path is logged by its type, never its text: a driver's message can quote the
values of a row (a holder's name, a document number; DEVELOPERS.md: no personal data in a log line)."""

from __future__ import annotations

import logging

import pytest

from verify.errors import unavailable


def test_a_read_path_outage_logs_the_error_type_never_its_text(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        answer = unavailable(OSError("duplicate key: (holder_name)=(张三), doc 110101199003077777"), 5)
    assert "OSError" in caplog.text
    assert "张三" not in caplog.text
    assert "110101199003077777" not in caplog.text
    assert "张三" not in str(answer)
