"""The conformance matrix in docs/testing.md is the recorded AWS facts and the suite's recorded results: they agree,
every marker names a fact, every fact says where AWS's answer is from, and a record is replaced, never merged."""

import json

import pytest

from local_runtime.patch_registry import declared
from tests.conformance import (
    FACTS,
    PAGE,
    RECORDED,
    ROUTES,
    TARGETS,
    Recorder,
    differences,
    facts,
    marked_tests,
    page_table,
    render,
    session_target,
)

pytestmark = pytest.mark.unit


def test_docs_table__is_the_recorded_facts_and_results():
    # GIVEN the facts (fixtures/aws_facts.json) and the results per target (fixtures/conformance/), THEN the page
    # shows exactly them
    assert page_table(PAGE.read_text()) == render(RECORDED), "run: ./harness conformance --docs"


def test_every_marker__names_a_recorded_fact_and_every_fact_is_asserted():
    assert set(marked_tests()) == set(facts()["facts"]), f"markers and {FACTS.name} disagree"


def test_every_fact__cites_known_sources_for_fields_of_its_answer():
    known = facts()
    for fact_id, fact in known["facts"].items():
        cases = [case["evidence"] for case in fact.get("cases", {}).values()]
        for entry in [*fact["evidence"], *(entry for evidence in cases for entry in evidence)]:
            assert entry["source"] in known["sources"], (fact_id, entry["source"])
            assert set(entry["supports"]) <= {"status", "code", "message", "outcome"}, fact_id
        assert fact["evidence"] or fact.get("note"), f"{fact_id}: an assumed answer says why in a note"
    for source in known["sources"].values():
        assert source["kind"] in {"documented", "recorded"}
        assert "url" in source or {"repository", "commit", "path", "test"} <= set(source)


def test_routes__name_declared_changes():
    names = {f"{change.target}.{change.name}" for change in declared()}
    assert {name for route in ROUTES.values() for name in route} <= names


def test_records__belong_to_known_targets_facts_and_carry_provenance():
    known = set(facts()["facts"])
    records = {path.stem: json.loads(path.read_text()) for path in RECORDED.glob("*.json")}
    assert set(records) <= set(TARGETS) and {"ministack", "moto"} <= set(records)
    for target, record in records.items():
        assert set(record["results"]) <= known, target
        assert {"commit", "recorded", "emulator", "backend"} <= set(record["provenance"]), target


def test_recorder__a_skipped_case_is_not_a_passed_one(tmp_path):
    # GIVEN a fact whose cases passed but one, which was skipped
    recorder = Recorder()
    for outcome in ("passed", "passed", "skipped"):
        recorder.add("moto", "bad-requests", outcome, "no engine" if outcome == "skipped" else "")
    recorder.save(tmp_path, complete=True)
    # THEN the record counts them apart, and the cell says how many passed
    result = json.loads((tmp_path / "moto.json").read_text())["results"]["bad-requests"]
    assert result["cases"] == {"passed": 2, "skipped": 1}
    assert "as AWS in 2 of 3 cases (1 n/a)" in render(tmp_path)


def test_recorder__a_gap_outranks_passed_cases_and_workers_add_up(tmp_path):
    recorder, worker = Recorder(), Recorder()
    recorder.add("moto", "bad-requests", "passed")
    worker.add("moto", "bad-requests", "gap", "moto gap: key type not checked")
    recorder.merge(json.loads(json.dumps(worker.results)))
    recorder.save(tmp_path, complete=True)
    result = json.loads((tmp_path / "moto.json").read_text())["results"]["bad-requests"]
    assert (result["outcome"], result["cases"]) == ("gap", {"gap": 1, "passed": 1})
    assert "**differs**: key type not checked" in render(tmp_path)


def test_recorder__a_new_session_replaces_the_record_never_merges(tmp_path):
    first = Recorder()
    first.add("moto", "bad-requests", "gap", "moto gap: key type not checked")
    first.add("moto", "api-key-missing", "passed")
    first.save(tmp_path, complete=True)
    # WHEN a later session records only one fact, and it was skipped there
    later = Recorder()
    later.add("moto", "bad-requests", "skipped", "no engine")
    later.save(tmp_path, complete=False)
    # THEN the record is that session's alone: nothing found before survives
    record = json.loads((tmp_path / "moto.json").read_text())
    skipped = {"outcome": "skipped", "cases": {"skipped": 1}, "reasons": ["no engine"]}
    assert record["results"] == {"bad-requests": skipped}
    assert record["provenance"]["complete"] is False and "n/a: no engine" in render(tmp_path)


def test_differences__compare_results_and_versions_not_commit_or_date():
    kept = {
        "provenance": {"commit": "a", "recorded": "then", "emulator": "e 1", "backend": "b 1"},
        "results": {"x": {"outcome": "passed", "cases": {"passed": 1}, "reasons": []}},
    }
    same = json.loads(json.dumps(kept)) | {"provenance": {**kept["provenance"], "commit": "b", "recorded": "now"}}
    assert differences(same, kept) == []
    changed = json.loads(json.dumps(same))
    changed["results"]["x"]["cases"] = {"passed": 1, "skipped": 1}
    changed["provenance"]["emulator"] = "e 2"
    assert [line.split(":")[0] for line in differences(changed, kept)] == ["emulator", "x"]


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
