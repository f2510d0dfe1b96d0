"""The conformance matrix in docs/testing.md is the suite's recorded results, not prose: they must agree."""

import pytest

from tests.conformance import PAGE, RECORDED, TARGETS, Recorder, page_table, render, session_target

pytestmark = pytest.mark.unit


def test_docs_table__is_the_recorded_results():
    # GIVEN the results the suite recorded per target (fixtures/conformance/), THEN docs/testing.md shows exactly them
    assert page_table(PAGE.read_text()) == render(RECORDED), "run: ./harness conformance --docs"


def test_recorded_results__belong_to_known_targets_and_cover_the_default():
    recorded = {path.stem for path in RECORDED.glob("*.json")}
    assert recorded <= set(TARGETS) and {"ministack", "moto"} <= recorded


def test_recorder__keeps_the_worst_outcome_of_a_behaviours_cases(tmp_path):
    recorder = Recorder()
    recorder.add("moto", "bad requests", "4xx", "passed")
    recorder.add("moto", "bad requests", "4xx", "gap", "moto gap: key type not checked")
    recorder.add("moto", "bad requests", "4xx", "passed")
    recorder.save(tmp_path)
    assert recorder.results["moto"]["bad requests"]["outcome"] == "gap"
    # WHEN a later session could not run it (skipped), THEN what was found before stays
    later = Recorder()
    later.add("moto", "bad requests", "4xx", "skipped", "no engine")
    later.save(tmp_path)
    assert "differs" in render(tmp_path)


@pytest.mark.parametrize(
    ("unit", "environment", "target"),
    [
        (True, {}, "moto"),
        (False, {}, "ministack"),
        (False, {"HARNESS_EMULATOR": "compose-localstack"}, "compose-localstack"),
        (False, {"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}, None),
        (False, {"HARNESS_TARGET": "aws"}, None),
    ],
)
def test_session_target__names_the_column(unit, environment, target):
    assert session_target(unit, environment) == target
