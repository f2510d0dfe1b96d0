"""End-to-end fixtures: one stack per session on the selected target, always taken down if we made it; a test that
needs a capability the target lacks is skipped before any of them (tests/capabilities.py says which and why)."""

import functools
import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from benchmarks.load import Api
from bootstrap import package
from bootstrap.clients import Clients
from bootstrap.report import Progress
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT, Settings
from harness_cli import lifecycle
from local_runtime.docker_targets import compose_stack, localstack_container
from local_runtime.faults.client import FaultApi
from local_runtime.watch import Reload, Reloader
from tests.capabilities import CAPABILITIES, Target, target_of
from tests.session_target import plan_session
from tests.support.polling import api_after_up, wait_for_key
from tests.support.workers import worker_id

# Fixtures that work only where the target has a capability: a test that uses one must say it needs that (checked
# when collecting, so a forgotten mark fails on every target, not only on the one that lacks the capability).
FIXTURE_NEEDS = {"fault_stack": "faults", "emulator_log": "emulator_log"}


@functools.cache
def session_target() -> Target:
    return target_of(Settings.from_env())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every ``needs`` names declared capabilities, and a test that uses a fixture of ``FIXTURE_NEEDS`` says so."""
    for item in items:
        needed = {name for mark in item.iter_markers("needs") for name in mark.args}
        unknown = needed - CAPABILITIES.keys()
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: needs {sorted(unknown)}; tests/capabilities.py declares no such")
        fixtures = getattr(item, "fixturenames", ())
        undeclared = {need for fixture, need in FIXTURE_NEEDS.items() if fixture in fixtures} - needed
        if undeclared:
            raise pytest.UsageError(f"{item.nodeid} uses a fixture that needs {sorted(undeclared)}: mark it needs(...)")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skips, before any fixture, a test that needs a capability the session's target lacks (tests/capabilities.py)."""
    needed = [name for mark in item.iter_markers("needs") for name in mark.args]
    reason = session_target().skip_reason(needed) if needed else None
    if reason:
        pytest.skip(reason)


@dataclass(frozen=True)
class SessionStack:
    settings: Settings  # what the stack was deployed with (a Docker target's endpoint included)
    outputs: dict[str, Any]
    read_emulator_log: Callable[[], str] | None = None  # None: no emulator log to read (AWS, a foreign endpoint)


@pytest.fixture(scope="session")
def session_stack(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[SessionStack]:
    """The session's stack. Reuses a stack that is already up (and leaves it); otherwise brings one up on
    the selected target and always takes it down. A pytest-xdist worker always brings up its own (what a
    crashed earlier run left in its state folder is converged, then taken down)."""
    settings = Settings.from_env()
    plan = plan_session(settings)
    if plan.kind == "skip":
        pytest.skip(plan.reason)
    if plan.kind == "fail":
        pytest.fail(plan.reason)
    if plan.kind == "compose":
        state_dir = tmp_path_factory.mktemp("compose-state")
        with compose_stack(settings, state_dir, plan.emulator) as target:
            outputs = json.loads((state_dir / "outputs.json").read_text())
            yield SessionStack(target.settings, outputs, target.read_log)
        return
    if plan.kind == "testcontainers":
        with localstack_container(settings) as target:
            yield from _own_stack(target.settings, target.read_log)
        return
    existing = lifecycle.status(settings)
    if existing is not None and worker_id(pytestconfig) is None:  # status: outputs of this target and stack
        _run_the_working_tree(settings, existing)
        yield SessionStack(settings, existing, _embedded_log(settings, existing))
        return
    yield from _own_stack(settings, None)


def _run_the_working_tree(settings: Settings, outputs: dict[str, Any]) -> None:
    """A reused stack serves the working tree's handler: where its CodeSha256 differs, the function's code is
    updated, as ``./harness watch`` does; where it cannot be, the session stops and says why."""
    lambda_client = Clients(settings, endpoint_url=outputs["endpoint_url"])("lambda")
    reloader = Reloader(lambda_client, outputs["function_name"], settings.handler_dir or package.HANDLER_DIR)
    deployed = reloader.deployed
    try:
        reload = reloader.reload()
    except (ClientError, BotoCoreError) as error:
        reload = Reload("failed", (), deployed, 0.0, (" ".join(str(error).split()),))
    if reload.outcome in ("refused", "failed"):
        why = "the working tree's handler does not compile" if reload.outcome == "refused" else "its update failed"
        pytest.exit(
            f"the stack that is up ({outputs['stack_name']}, CodeSha256 {deployed}) cannot be given the working "
            f"tree's code, {why}: {'; '.join(reload.problems)}",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    if reload.outcome == "updated":
        _notes.append(
            f"the stack that is up ({outputs['stack_name']}) ran other code than the working tree "
            f"(CodeSha256 {deployed}): its function was updated to {reload.code_sha256}"
        )


_notes: list[str] = []  # said at the end of the session (what a fixture prints is captured)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for note in _notes:
        terminalreporter.write_line(f"note: {note}")


def _embedded_log(settings: Settings, outputs: dict[str, Any]) -> Callable[[], str] | None:
    if outputs["target"] != EMBEDDED:
        return None
    return lambda: (settings.state_dir / f"{outputs['emulator']}.log").read_text(errors="replace")


def _own_stack(settings: Settings, read_log: Callable[[], str] | None) -> Iterator[SessionStack]:
    log = io.StringIO()
    try:
        outputs = lifecycle.up(settings, Progress(log))
        yield SessionStack(settings, outputs, read_log or _embedded_log(settings, outputs))
    finally:  # the session's emulator is its own: stopped even if a test left a stack on it
        lifecycle.down(settings, Progress(log), force_emulator=True)


@pytest.fixture(scope="session")
def settings(session_stack: SessionStack) -> Settings:
    return session_stack.settings


@pytest.fixture(scope="session")
def outputs(session_stack: SessionStack) -> dict[str, Any]:
    return session_stack.outputs


@pytest.fixture(scope="session")
def emulator_log(session_stack: SessionStack) -> Callable[[], str]:
    """Reads the log of the emulator serving the session (a file, or a container's log). Its tests need emulator_log."""
    assert session_stack.read_emulator_log is not None, f"no emulator log on {session_target().description}"
    return session_stack.read_emulator_log


@pytest.fixture(scope="session")
def backend(outputs: dict[str, Any]) -> str:
    """Which implementation answers: an emulator's name, or 'aws'. Names the gaps in fixtures."""
    return outputs["emulator"] or "aws"


@pytest.fixture(scope="session")
def api(outputs: dict[str, Any]) -> Api:
    api = Api.of(outputs)  # signed where the stack's method is AWS_IAM (--authorization iam)
    if outputs["target"] == AWS:
        wait_for_key(api)  # a new key is refused until its usage plan propagates
    return api


@pytest.fixture(scope="session")
def clients(settings: Settings, outputs: dict[str, Any]) -> Clients:
    """boto3 clients on the stack's own target (for checks behind the API's back)."""
    return Clients(settings, endpoint_url=outputs["endpoint_url"])


def extra_stack_settings(settings: Settings, outputs: dict[str, Any], state_dir: Path, **overrides: Any) -> Settings:
    """Another stack on the session's target: its own name (the session's, plus a suffix) and state folder, the
    same endpoint."""
    embedded = outputs["target"] == EMBEDDED
    return replace(
        settings,
        target=ENDPOINT if settings.target == EMBEDDED else settings.target,
        endpoint_url=outputs["endpoint_url"],
        endpoint_kind=outputs["emulator"] or settings.endpoint_kind,
        functions_run_here=settings.target == EMBEDDED or settings.functions_run_here,
        # A shared proxy (beside a Docker target's emulator); an embedded stack's own proxy is its alone.
        fault_proxy_url=settings.fault_proxy_url or (outputs.get("fault_proxy_url") if not embedded else None),
        # Under the session's name, so `sweep --prefix ci-` also finds what a cancelled CI run left of them.
        stack_name=f"{settings.stack_name}-{uuid.uuid4().hex[:8]}",
        state_dir=state_dir,
        **overrides,
    )


@pytest.fixture
def stack_factory(settings: Settings, outputs: dict[str, Any], tmp_path) -> Iterator[Callable[..., Settings]]:
    """Settings for extra stacks on the session's emulator (own name, own state folder); all downed after."""
    made: list[Settings] = []

    def make(**overrides: Any) -> Settings:
        made.append(extra_stack_settings(settings, outputs, tmp_path / f"state-{len(made)}", **overrides))
        return made[-1]

    yield make
    for extra in made:
        lifecycle.down(extra, Progress(io.StringIO()))


@dataclass(frozen=True)
class FaultStack:
    """A stack whose function calls DynamoDB through the fault proxy, and that proxy's fault API for its table."""

    settings: Settings
    outputs: dict[str, Any]
    api: Api
    faults: FaultApi


def fault_stack_of(settings: Settings, outputs: dict[str, Any]) -> FaultStack:
    return FaultStack(
        settings, outputs, api_after_up(outputs), FaultApi(outputs["fault_proxy_url"], outputs["table_name"])
    )


@pytest.fixture(scope="session")
def fault_stack(settings: Settings, outputs: dict[str, Any], tmp_path_factory) -> Iterator[FaultStack]:
    """The session's stack if it was brought up with ``--faults``; else an extra one with them, for the session.
    Its tests need faults, so ``up --faults`` is refused only where the declaration is wrong: that fails."""
    if outputs.get("faults"):
        yield fault_stack_of(settings, outputs)
        return
    extra = extra_stack_settings(settings, outputs, tmp_path_factory.mktemp("faults"), faults=True)
    try:
        yield fault_stack_of(extra, lifecycle.up(extra, Progress(io.StringIO())))
    finally:
        lifecycle.down(extra, Progress(io.StringIO()))


class Faults:
    """What the ``faults`` fixture gives a test: ``set`` faults on the fault stack's table, the stack's ``api``."""

    def __init__(self, stack: FaultStack) -> None:
        self.stack, self.api, self._set = stack, stack.api, set()

    def set(self, operation: str, **rule: Any) -> dict[str, Any]:
        """e.g. ``faults.set("PutItem", error="ThrottlingException", count=1)``; see ``fault_rules.parse_rule``."""
        self._set.add(operation)
        return self.stack.faults.set(operation, **rule)

    def clear(self, operation: str | None = None) -> None:
        self.stack.faults.clear(operation)

    def clear_what_was_set(self) -> None:
        for operation in sorted(self._set):
            self.stack.faults.clear(operation)


@pytest.fixture
def faults(fault_stack: FaultStack) -> Iterator[Faults]:
    """Sets faults on the fault stack for one test; clears every one it set afterwards, also when the test fails."""
    injected = Faults(fault_stack)
    try:
        yield injected
    finally:
        injected.clear_what_was_set()
