"""Coverage of handler/ and bootstrap/: e2e alone, unit alone, combined; and the e2e floor for handler/.

Run after a test run (tox's ``commands_post``): ``python tests/coverage_report.py --runs tests --e2e-handler-floor 92``
combines the data files of tox's ``tests`` run (``.coverage-data/tests``, its ``COVERAGE_FILE``, and what its
processes wrote beside it) and reports.
Where the lines were run is told by coverage's contexts, one per kind of test, not per test (per-test contexts
cost a tenth of the unit tests' time):

- ``unit`` / ``e2e``: a test process, while it runs a unit or an e2e test (``tests/conftest.py`` switches; tox's
  ``unit`` and ``e2e`` envs name all their processes' lines at once instead: ``[run] context``, from
  ``HARNESS_COVERAGE_CONTEXT``);
- ``unit-subprocess`` / ``e2e-subprocess``: a command-line process a unit or e2e test started
  (``[run] patch = subprocess``; ``subprocess_context`` gives it its test's kind);
- ``e2e-function``: the function's processes under the emulator (``local_runtime/function_runtime/startup.py``);
- empty: lines run before the first test (importing the tests), and a pytest run outside tox's: counted as unit.

Only data written since the run's session started counts (``tests/conftest.py`` touches ``<run>-started`` beside the
data file as the session starts): a run with ``--no-cov`` writes none, and the last run's is not reported as its own.

Exit 1 when handler/'s e2e-alone figure is below the floor, where the e2e tests ran on an embedded emulator
(whose function processes run here and so are measured).
"""

import argparse
import io
import os
import re
import sys
from pathlib import Path

import coverage

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bootstrap.settings import EMBEDDED, Settings  # noqa: E402 - run as a script, from any folder
from local_runtime.emulators import AVAILABLE  # noqa: E402
from local_runtime.function_runtime.startup import COVERAGE_CONTEXT, changed_coverage_config  # noqa: E402

PACKAGES = ("handler", "bootstrap")
DATA_DIR = ROOT / ".coverage-data"
# Context patterns (regular expressions, searched) for each column.
COLUMNS = {
    "e2e alone": [r"^e2e"],
    "unit alone": [r"^(unit|$)"],
    "combined": None,
}


def started_marker(data_file: Path) -> Path:
    """The file a session touches when it starts, beside its data file: data older than it is an earlier run's."""
    return data_file.with_name(f"{data_file.name}-started")


def mark_session_start() -> None:
    """Called as a test session starts: what this run's processes write from now on is newer than the marker."""
    data_file = os.environ.get("COVERAGE_FILE")
    if data_file:
        marker = started_marker(Path(data_file))
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()


def files_of_this_run(run: str) -> tuple[list[str], list[str]]:
    """The run's data files written since its session started, and those left by an earlier run (e.g. a run
    with ``--no-cov`` writes none, and the last run's would otherwise be reported as this one's)."""
    marker = started_marker(DATA_DIR / run)
    started = marker.stat().st_mtime if marker.exists() else float("inf")
    files = [path for path in [DATA_DIR / run, *DATA_DIR.glob(f"{run}.*")] if path.exists()]
    fresh = [str(path) for path in files if path.stat().st_mtime >= started]
    return fresh, [str(path) for path in files if str(path) not in fresh]


def subprocess_context(serialized_config: str, kind: str) -> str:
    """coverage's serialised configuration (``COVERAGE_PROCESS_CONFIG``), static context ``<kind>-subprocess``."""
    return changed_coverage_config(serialized_config, context=f"{kind}-subprocess")


def _percent(
    measured: coverage.Coverage, package: str, contexts: list[str] | None, measured_contexts: set[str]
) -> float | None:
    """The package's line coverage in these contexts; None where none of them was measured (no e2e test ran)."""
    if contexts is not None and not any(re.search(p, context) for p in contexts for context in measured_contexts):
        return None
    try:
        return measured.report(include=[f"{package}/*"], contexts=contexts, file=io.StringIO())
    except coverage.exceptions.NoDataError:
        return None


def _table(measured: coverage.Coverage, contexts: set[str]) -> dict[str, dict[str, float | None]]:
    return {
        package: {name: _percent(measured, package, column, contexts) for name, column in COLUMNS.items()}
        for package in PACKAGES
    }


def _print(table: dict[str, dict[str, float | None]]) -> None:
    print(f"\n{'coverage of lines':<20}" + "".join(f"{name:>13}" for name in COLUMNS))
    for package, row in table.items():
        cells = "".join(f"{'-' if v is None else f'{v:.1f} %':>13}" for v in row.values())
        print(f"{package + '/':<20}{cells}")


def _floor_applies(contexts: set[str]) -> str | None:
    """Why the e2e floor is not checked here, or None when it is."""
    settings = Settings.from_env()
    if not any(context.startswith("e2e") for context in contexts):
        return "no e2e test ran"
    if settings.target != EMBEDDED or settings.emulator not in AVAILABLE:
        return f"the function ran elsewhere ({settings.target} {settings.emulator}), out of coverage's reach"
    if COVERAGE_CONTEXT not in contexts and settings.outputs_path.exists():
        return "the session reused a stack that was up already (started without coverage): ./harness down, rerun"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--e2e-handler-floor", type=float, default=0.0, help="fail below this handler/ e2e %%")
    parser.add_argument("--runs", nargs="+", default=["tests"], help="tox runs whose data to combine")
    args = parser.parse_args(argv)
    if "--cov" not in os.environ.get("PYTEST_ADDOPTS", ""):
        print("coverage: not measured in this run (tox's test environments measure it: PYTEST_ADDOPTS=--cov ...)")
        return 0  # and the data of an earlier run is not reported as this one's
    measured = coverage.Coverage(config_file=str(ROOT / "pyproject.toml"), data_file=str(DATA_DIR / "combined"))
    measured.erase()
    # Each run's file, and what its processes wrote after pytest-cov had combined (a function process stopped late);
    # only what was written since the run's session started.
    found = [files_of_this_run(run) for run in args.runs]
    files, stale = [path for fresh, _ in found for path in fresh], [path for _, old in found for path in old]
    if stale and not files:
        print(f"coverage: not measured in this run (--no-cov?); {len(stale)} data file(s) of an earlier run ignored")
        return 0
    if files:
        measured.combine(files, keep=True)  # kept: each run's file stays its run's until that run is repeated
        measured.save()
    contexts = set(measured.get_data().measured_contexts())
    if not contexts:
        print("coverage: no data (the tests ran without coverage)")
        return 0
    table = _table(measured, contexts)
    _print(table)
    reason = _floor_applies(contexts)
    e2e_handler = table["handler"]["e2e alone"] or 0.0
    if reason is not None:
        print(f"e2e floor for handler/ ({args.e2e_handler_floor:g} %) not checked: {reason}")
        return 0
    if e2e_handler < args.e2e_handler_floor:
        floor = args.e2e_handler_floor
        print(f"FAIL: handler/ covered {e2e_handler:.1f} % by the e2e tests alone; the floor is {floor:g} %")
        return 1
    print(f"e2e floor for handler/: {args.e2e_handler_floor:g} %, met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
