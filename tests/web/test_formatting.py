"""Dates and notes as people write them: EDTF read into words, CURIEs in notes turned into links."""

from __future__ import annotations

import pytest

from cmikg.web.content.vocabulary import PRECISION_DECADE, PRECISION_MONTH, PRECISION_YEAR
from cmikg.web.formatting import edtf_phrase, period, when


@pytest.mark.parametrize(
    ("edtf", "words"),
    [
        ("2010", "2010"),
        ("2010-01", "January 2010"),
        ("2017-01-12", "12 January 2017"),
        ("196X", "the 1960s"),
        ("1966/1974", "between 1966 and 1974"),
        ("../2017", "by 2017"),
        ("1998/..", "from 1998 on"),
        ("196X/..", "from the 1960s on"),
        ("2020~", "about 2020"),
        ("2008-10/..", "from October 2008 on"),
    ],
)
def test_edtf_reads_as_a_historian_writes(edtf, words):
    assert edtf_phrase(edtf) == words


def test_an_edtf_value_this_cannot_read_falls_back_to_the_dates():
    assert edtf_phrase("2010-21-99T") is None
    assert (
        period("", "1966-01-01T00:00:00Z", "1974-01-01T00:00:00Z", PRECISION_YEAR, "nonsense")
        == "between 1966 and 1974"
    )


def test_a_date_is_printed_to_its_precision_and_never_as_a_timestamp():
    assert when("2010-01-01T00:00:00Z", PRECISION_MONTH) == "January 2010"
    assert when("1960-01-01T00:00:00Z", PRECISION_DECADE) == "the 1960s"
    assert period("", "", "2017-01-01T00:00:00Z", PRECISION_YEAR) == "by 2017"
    assert period("", "1963-01-01T00:00:00Z", "", PRECISION_YEAR) == "from 1963 on"
