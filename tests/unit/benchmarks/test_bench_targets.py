"""./harness bench's targets: which the options name, in which order they run, and what a target that cannot run
becomes (skipped or failed, the others still measured)."""

import pytest

from benchmarks import bench
from benchmarks.figures import TargetRun

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _no_emulator_chosen(monkeypatch):
    monkeypatch.delenv("HARNESS_EMULATOR", raising=False)


def test_parse_args__target_names_several_in_order_and_rounds_repeat_them():
    args = bench.parse_args(["--target", "ministack, localstack,compose-localstack", "--rounds", "2"])
    assert (args.targets, args.rounds) == (["ministack", "localstack", "compose-localstack"], 2)


@pytest.mark.parametrize(
    ("argv", "environment", "targets"),
    [
        ([], None, ["ministack"]),
        ([], "localstack", ["localstack"]),
        (["--emulator", "localstack"], "ministack", ["localstack"]),
        (["--docker", "compose-ministack"], None, ["compose-ministack"]),
    ],
)
def test_parse_args__emulator_and_docker_name_one_target(monkeypatch, argv, environment, targets):
    if environment:
        monkeypatch.setenv("HARNESS_EMULATOR", environment)
    args = bench.parse_args(argv)
    assert (args.targets, args.rounds) == (targets, 1)


@pytest.mark.parametrize(
    "argv",
    [
        ["--target", "ministack", "--emulator", "localstack"],
        ["--target", "ministack", "--docker", "compose-ministack"],
        ["--target", "ministack,aws"],
        ["--target", "ministack,ministack"],
        ["--target", ","],
        ["--rounds", "0"],
        ["--emulator", "compose-localstack"],
    ],
)
def test_parse_args__refuses_what_names_no_clear_set_of_targets(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.parse_args(argv)
    assert exit_.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_parse_args__an_emulator_variable_that_is_not_a_bench_target_is_refused(monkeypatch):
    monkeypatch.setenv("HARNESS_EMULATOR", "localstack-docker")
    with pytest.raises(SystemExit):
        bench.parse_args([])
    assert bench.parse_args(["--target", "localstack"]).targets == ["localstack"]


def test_bench_target__compose_without_an_engine_is_skipped_with_the_reason(monkeypatch):
    monkeypatch.setattr(bench, "docker_engine_available", lambda: False)
    monkeypatch.setattr(bench, "bench_compose", lambda *_: pytest.fail("no compose without an engine"))
    run = bench.bench_target("compose-localstack", bench.parse_args([]))
    assert run == TargetRun("compose-localstack", not_measured=bench.NO_ENGINE)


def test_bench_target__a_failure_is_reported_not_raised(monkeypatch):
    def fails(*_):
        raise RuntimeError("up failed\nwith details")

    monkeypatch.setattr(bench, "bench_embedded", fails)
    assert bench.bench_target("localstack", bench.parse_args([])) == TargetRun(
        "localstack", not_measured="failed: up failed"
    )


def test_main__alternates_the_targets_round_by_round_then_prints_the_table(monkeypatch, capsys):
    # GIVEN targets that measure nothing (one of them failing), and a machine unit of 0.25 s
    ran = []

    def bench_target(target, args):
        ran.append(target)
        return TargetRun(target, not_measured="failed: no" if target == "localstack" else "skipped: test")

    monkeypatch.setattr(bench, "bench_target", bench_target)
    monkeypatch.setattr(bench, "machine_unit", lambda: 0.25)
    # WHEN two targets run twice
    code = bench.main(["--target", "ministack,localstack", "--rounds", "2"])
    # THEN they alternate, the table follows with the unit, and the failure sets the exit code
    assert ran == ["ministack", "localstack", "ministack", "localstack"]
    out = capsys.readouterr().out
    assert "Side by side: machine unit 0.25 s" in out and "localstack, round 2: failed: no" in out
    assert code == 1


def test_main__ctrl_c_still_prints_what_was_measured(monkeypatch, capsys):
    def bench_target(target, args):
        if target == "localstack":
            raise KeyboardInterrupt
        return TargetRun(target, up_s=1.5)

    monkeypatch.setattr(bench, "bench_target", bench_target)
    monkeypatch.setattr(bench, "machine_unit", lambda: 0.25)
    assert bench.main(["--target", "ministack,localstack"]) == 130
    table = capsys.readouterr().out.split("Side by side:")[1].splitlines()
    assert table[1].split() == ["ministack"]
    assert table[2].split() == ["up", "from", "nothing,", "s", "1.50"]
