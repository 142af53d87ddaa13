"""A missing prerequisite skips a test only under a bare pytest; under the test command
(CMIKG_STRICT) or CI, which install everything, it fails, so no skip can hide a failure."""

from __future__ import annotations

import pytest

from tests.conftest import missing_prerequisite


@pytest.mark.parametrize("variable", ["CI", "CMIKG_STRICT"])
def test_under_the_test_command_or_ci_a_missing_prerequisite_fails(monkeypatch, variable: str) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CMIKG_STRICT", raising=False)
    monkeypatch.setenv(variable, "1")
    with pytest.raises(pytest.fail.Exception, match="no chromium"):
        missing_prerequisite("no chromium")


def test_a_bare_pytest_skips_with_the_reason_and_the_fix(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CMIKG_STRICT", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no chromium; `bash quickstart.sh test` installs it"):
        missing_prerequisite("no chromium")
