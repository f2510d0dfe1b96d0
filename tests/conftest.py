"""Markers are required: every test is exactly one of unit, e2e or aws; aws runs only when asked for.

Under pytest-xdist (``-n 4``, as tox's ``tests`` env runs the suite) every worker is a session of its own: its own
state folder, so on the embedded target its own emulator and stack (brought up at the worker's first e2e test), and
elsewhere its own stack name.
"""

import gc
import json
import os
from collections.abc import Iterator
from pathlib import Path

import coverage
import pytest

from bootstrap.clients import share_client_classes_process_wide, share_service_models_process_wide
from bootstrap.settings import DEFAULT_STACK, EMBEDDED, PROJECT_ROOT, Settings
from tests.conformance import Recorder, outcome_of, output_dir, session_target
from tests.coverage_report import mark_session_start, subprocess_context
from tests.support.workers import worker_id


def pytest_configure(config: pytest.Config) -> None:
    worker = worker_id(config)
    if worker is None:
        mark_session_start()  # the coverage report takes only data written after this (tests/coverage_report.py)
        return
    # Environment, not fixtures: the command-line subprocesses the tests start must see the same.
    base = os.environ.get("HARNESS_STATE_DIR") or str(PROJECT_ROOT / ".stack")
    os.environ["HARNESS_STATE_DIR"] = os.path.join(base, "workers", worker)
    if Settings.from_env().target != EMBEDDED:  # one endpoint (or account) for all workers: names must differ
        os.environ["HARNESS_STACK"] = f"{os.environ.get('HARNESS_STACK') or DEFAULT_STACK}-{worker}"


# moto, boto3's default session and every fixture make sessions of their own: one loader parses each service
# model once per test process instead of once per session (a third of the unit tests' time otherwise), and each
# service's model and client class are built once, not once per client (a quarter of the rest).
share_service_models_process_wide()
share_client_classes_process_wide()

TARGET_MARKERS = ("unit", "e2e", "aws")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked_for_aws = "aws" in (config.getoption("-m") or "")
    skip_aws = pytest.mark.skip(reason="touches a real AWS account: run with 'tox -e aws' (pytest -m aws)")
    for item in items:
        found = [name for name in TARGET_MARKERS if item.get_closest_marker(name)]
        if len(found) != 1:
            raise pytest.UsageError(f"{item.nodeid} must carry exactly one of {TARGET_MARKERS}, has {found}")
        if found == ["aws"] and not asked_for_aws:
            item.add_marker(skip_aws)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Collects the garbage left at the end until none is found, then freezes what is left.

    pytest's check for exceptions raised in finalizers (``_pytest.unraisableexception``) runs next: five full
    collections, each walking every object of the process (0.2-0.5 s a time in a worker). The garbage is found here
    instead, while that check's hook still catches what its finalizers raise, and as often as it takes; the five
    collections then walk only what was made since."""
    for _ in range(10):
        if not gc.collect():
            break
    gc.freeze()


_conformance = Recorder()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Record the outcome of every test marked aws_behaviour on the session's target (see tests/conformance.py)."""
    report = (yield).get_result()
    marker = item.get_closest_marker("aws_behaviour")
    target = session_target(unit=item.get_closest_marker("unit") is not None)
    if marker is None or target is None or not (report.when == "call" or report.skipped):
        return
    outcome, reason = outcome_of(report)
    _conformance.add(target, marker.args[0], outcome, reason)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if worker_id(session.config) is not None:  # the controller saves what every worker recorded
        session.config.workeroutput["conformance"] = json.dumps(_conformance.results)
        return
    if _conformance.results:
        _conformance.save(output_dir(), complete=_runs_the_whole_suite(session.config))


def _runs_the_whole_suite(config: pytest.Config) -> bool:
    """No selection beyond a marker expression: no -k, no paths or node ids, nothing deselected by hand."""
    narrowed = config.option.keyword or config.option.deselect or config.getoption("lf", False)
    return not narrowed and all(Path(arg).resolve() == PROJECT_ROOT / "tests" for arg in config.args)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # noqa: ANN001 - pytest-xdist's hook: a worker has finished
    _conformance.merge(json.loads(getattr(node, "workeroutput", {}).get("conformance", "{}")))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Under coverage, the lines a test runs are measured under its kind, unit or e2e: in this process (when the run
    names none for all its processes: tox's ``tests``, where a worker runs both kinds), and in a process it starts
    (see tests/coverage_report.py)."""
    serialized = os.environ.get("COVERAGE_PROCESS_CONFIG")
    if serialized is None:
        yield
        return
    kind = "unit" if item.get_closest_marker("unit") else "e2e"
    _switch_coverage_context(kind)
    os.environ["COVERAGE_PROCESS_CONFIG"] = subprocess_context(serialized, kind)
    try:
        yield
    finally:
        os.environ["COVERAGE_PROCESS_CONFIG"] = serialized


_coverage_context: str | None = None


def _switch_coverage_context(kind: str) -> None:
    """Measures this process's next lines under ``kind``, if the run gave its processes no context of their own.

    A switch saves what was measured so far, so it happens only when the kind changes, not at every test."""
    global _coverage_context
    measuring = coverage.Coverage.current()
    if measuring is None or measuring.config.context or _coverage_context == kind:
        return
    measuring.switch_context(kind)
    _coverage_context = kind
