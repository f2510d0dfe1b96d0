"""The coverage report reads only what the run being reported wrote: an earlier run's data is never its figures."""

import os

import pytest

from tests import coverage_report

pytestmark = pytest.mark.unit


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(coverage_report, "DATA_DIR", tmp_path)
    monkeypatch.setenv("PYTEST_ADDOPTS", "--cov --cov-report=")
    monkeypatch.setenv("COVERAGE_FILE", str(tmp_path / "tests"))
    return tmp_path


def _written_before_the_session(path):
    path.write_bytes(b"")
    an_hour_ago = path.stat().st_mtime - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))


def test_a_run_that_measured_nothing__the_last_run_s_data_is_not_reported(data_dir, capsys):
    # GIVEN the data files an earlier run left (the run's own and a function process's)
    _written_before_the_session(data_dir / "tests")
    _written_before_the_session(data_dir / "tests.host.1234.567")
    # WHEN a session starts and writes none (--no-cov), and the report runs with a floor
    coverage_report.mark_session_start()
    status = coverage_report.main(["--runs", "tests", "--e2e-handler-floor", "92"])
    # THEN it says so and reports no figure of that earlier run
    out = capsys.readouterr().out
    assert status == 0
    assert "not measured in this run" in out and "2 data file(s) of an earlier run ignored" in out
    assert "met" not in out and "coverage of lines" not in out


def test_files_written_since_the_session_started__are_this_run_s(data_dir):
    _written_before_the_session(data_dir / "tests.old")
    coverage_report.mark_session_start()
    (data_dir / "tests").write_bytes(b"")
    (data_dir / "tests.host.1.2").write_bytes(b"")
    fresh, stale = coverage_report.files_of_this_run("tests")
    assert sorted(fresh) == [str(data_dir / "tests"), str(data_dir / "tests.host.1.2")]
    assert stale == [str(data_dir / "tests.old")]
