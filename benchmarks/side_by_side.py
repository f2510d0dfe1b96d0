"""The table at the end of ``./harness bench``: one column per target, each figure's range over the rounds, and
each target's bursts as a ratio of the first target's. Machines differ from day to day; figures measured in one
run, alternated, compare as ratios."""

from collections.abc import Callable

from benchmarks.figures import Measured, TargetRun

UNIT_PROGRAM, UNIT_RUNS = "sum(range(10**7))", 5  # the machine unit: python3 -c UNIT_PROGRAM, median wall time
Figure = Callable[[TargetRun], float | None]


def _of(figure: Callable[[Measured], float]) -> Figure:
    return lambda run: figure(run.measured) if run.measured else None


FIRST_BURST = _of(lambda m: m.first_burst.per_second)
WARM_BURST = _of(lambda m: m.warm_burst.per_second)
# (label, the figure of one run, its format)
ROWS: tuple[tuple[str, Figure, str], ...] = (
    ("up from nothing, s", lambda run: run.up_s, "{:.2f}"),
    ("up again, s", lambda run: run.up_again_s, "{:.2f}"),
    ("ping p50, ms", _of(lambda m: m.ping_p50_ms), "{:.1f}"),
    ("read p50, ms", _of(lambda m: m.read_p50_ms), "{:.1f}"),
    ("direct GetItem p50, ms", _of(lambda m: m.direct_p50_ms), "{:.1f}"),
    ("read / direct", _of(lambda m: m.read_over_direct), "{:.1f}×"),
    ("first burst, req/s", FIRST_BURST, "{:.0f}"),
    ("warm burst, req/s", WARM_BURST, "{:.0f}"),
    ("burst 5xx", _of(lambda m: m.first_burst.server_errors + m.warm_burst.server_errors), "{:.0f}"),
    ("lost writes", _of(lambda m: m.first_burst.lost_writes + m.warm_burst.lost_writes), "{:.0f}"),
    ("cold start, s", _of(lambda m: m.cold_start_s), "{:.2f}"),
)
# Figures given as a ratio of the first target's in the same round.
RATIOS: tuple[tuple[str, Figure], ...] = (("first burst", FIRST_BURST), ("warm burst", WARM_BURST))


def _span(values: list[float | None], form: str) -> str:
    """``2.61-2.70`` over the rounds, one figure where they agree, ``-`` where none was measured."""
    shown = sorted((value, form.format(value)) for value in values if value is not None)
    if not shown:
        return "-"
    low, high = shown[0][1], shown[-1][1]
    return low if low == high else f"{low.removesuffix('×')}-{high}"


def _ratios(figure: Figure, runs: list[TargetRun], baseline: list[TargetRun]) -> list[float | None]:
    """Round by round, a target's figure over the first target's."""
    paired = [(figure(run), figure(base)) for run, base in zip(runs, baseline, strict=False)]
    return [value / base if value is not None and base else None for value, base in paired]


def render(runs: list[TargetRun], machine_unit_s: float) -> str:
    """The side-by-side table of ``runs`` (targets in their first order, rounds in theirs), and notes below it."""
    by_target: dict[str, list[TargetRun]] = {}
    for run in runs:
        by_target.setdefault(run.target, []).append(run)
    targets = list(by_target)
    ratio_labels = [f"{label} / {targets[0]}" for label, _ in RATIOS]
    label_width = max(len(label) for label in [*ratio_labels, *(label for label, _, _ in ROWS)])
    widths = [max(len(target), 11) + 2 for target in targets]
    rounds = max(len(of) for of in by_target.values())

    def line(label: str, cells: list[str]) -> str:
        return f"{label:<{label_width}}" + "".join(
            f"{cell:>{width}}" for cell, width in zip(cells, widths, strict=True)
        )

    shown = f"{rounds} rounds, ranges over them" if rounds > 1 else "1 round"
    unit = f'machine unit {machine_unit_s:.2f} s (python3 -c "{UNIT_PROGRAM}", median of {UNIT_RUNS})'
    lines = [f"Side by side: {unit}; {shown}", line("", targets)]
    for label, figure, form in ROWS:
        lines.append(line(label, [_span([figure(run) for run in by_target[target]], form) for target in targets]))
    baseline = by_target[targets[0]]
    for label, (_, figure) in zip(ratio_labels, RATIOS, strict=True):
        lines.append(
            line(label, [_span(_ratios(figure, by_target[target], baseline), "{:.2f}×") for target in targets])
        )
    if any(target.startswith("compose-") for target in targets):
        lines.append("compose-*: up from nothing is docker compose up until the stack is deployed; no up again")
    for target, of in by_target.items():
        lines += [f"{target}, round {index}: {run.not_measured}" for index, run in enumerate(of, 1) if run.not_measured]
    return "\n".join(lines)
