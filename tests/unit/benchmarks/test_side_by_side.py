"""The table at the end of ./harness bench: given the figures of each target and round, the text it shows."""

import re

import pytest

from benchmarks.figures import Burst, Measured, TargetRun
from benchmarks.side_by_side import render

pytestmark = pytest.mark.unit


def _measured(read_ms: float, first: float, warm: float, server_errors: int = 0) -> Measured:
    return Measured(2.8, read_ms, 2.0, Burst(first, server_errors, 0), Burst(warm, 0, 1), 0.14)


def _rows(text: str) -> dict[str, list[str]]:
    """Each row's cells by its label (columns stand two spaces or more apart)."""
    return {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", line) for line in text.splitlines()[2:])}


def test_render__one_column_per_target_with_ranges_over_the_rounds():
    # GIVEN two rounds of MiniStack and Compose LocalStack
    runs = [
        TargetRun("ministack", 2.61, 0.60, _measured(5.0, 250, 300)),
        TargetRun("compose-localstack", 13.3, None, _measured(26.0, 50, 60, server_errors=2)),
        TargetRun("ministack", 2.70, 0.60, _measured(5.6, 200, 300)),
        TargetRun("compose-localstack", 13.3, None, _measured(26.0, 50, 75)),
    ]
    # WHEN they are rendered
    text = render(runs, machine_unit_s=0.26)
    # THEN the header has the unit, each target has a column, and a figure that moved shows its range
    lines = text.splitlines()
    assert lines[0].startswith("Side by side: machine unit 0.26 s (python3 -c") and "2 rounds" in lines[0]
    assert lines[1].split() == ["ministack", "compose-localstack"]
    rows = _rows(text)
    assert rows["up from nothing, s"] == ["2.61-2.70", "13.30"]
    assert rows["up again, s"] == ["0.60", "-"]
    assert rows["ping p50, ms"] == ["2.8", "2.8"]
    assert rows["read p50, ms"] == ["5.0-5.6", "26.0"]
    assert rows["direct GetItem p50, ms"] == ["2.0", "2.0"]
    assert rows["read / direct"] == ["2.5-2.8×", "13.0×"]
    assert rows["first burst, req/s"] == ["200-250", "50"]
    assert rows["warm burst, req/s"] == ["300", "60-75"]
    assert rows["burst 5xx"] == ["0", "0-2"]
    assert rows["lost writes"] == ["1", "1"]
    assert rows["cold start, s"] == ["0.14", "0.14"]


def test_render__bursts_as_ratios_of_the_first_targets_in_the_same_round():
    runs = [
        TargetRun("ministack", measured=_measured(5.0, 250, 300)),
        TargetRun("localstack", measured=_measured(25.0, 50, 60)),
        TargetRun("ministack", measured=_measured(5.0, 200, 300)),
        TargetRun("localstack", measured=_measured(25.0, 50, 75)),
    ]
    rows = _rows(render(runs, 0.26))
    # round 1: 50 / 250, round 2: 50 / 200 (not 50 / 250, the other round's)
    assert rows["first burst / ministack"] == ["1.00×", "0.20-0.25×"]
    assert rows["warm burst / ministack"] == ["1.00×", "0.20-0.25×"]


def test_render__a_target_not_measured_shows_dashes_and_why_below():
    runs = [
        TargetRun("ministack", 2.6, 0.6, _measured(5.0, 250, 300)),
        TargetRun("compose-ministack", not_measured="skipped: no Docker engine answers (docker info)"),
    ]
    text = render(runs, 0.3)
    rows = _rows(text)
    assert "1 round" in text.splitlines()[0]
    assert rows["read p50, ms"] == ["5.0", "-"]
    assert rows["warm burst / ministack"] == ["1.00×", "-"]
    assert text.splitlines()[-1] == "compose-ministack, round 1: skipped: no Docker engine answers (docker info)"
    assert "compose-*: up from nothing is docker compose up until the stack is deployed" in text
