"""End-to-end fixtures: one stack per session on the selected target, always taken down if we made it."""

import io
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bootstrap import stack
from bootstrap.clients import Clients
from bootstrap.report import Progress
from bootstrap.settings import AWS, EMBEDDED, ENDPOINT, Settings
from tests.docker_targets import compose_stack, localstack_container
from tests.session_target import plan_session
from tests.support import Api, wait_for_key


@pytest.fixture(scope="session")
def session_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, dict[str, Any]]]:
    """(settings, outputs) of the session's stack. Reuses a stack that is already up (and leaves it);
    otherwise brings one up on the selected target and always takes it down."""
    settings = Settings.from_env()
    plan = plan_session(settings)
    if plan.kind == "skip":
        pytest.skip(plan.reason)
    if plan.kind == "compose":
        state_dir = tmp_path_factory.mktemp("compose-state")
        with compose_stack(settings, state_dir, plan.emulator) as compose_settings:
            yield compose_settings, json.loads((state_dir / "outputs.json").read_text())
        return
    if plan.kind == "testcontainers":
        with localstack_container(settings) as container_settings:
            yield from _own_stack(container_settings)
        return
    existing = stack.status(settings)
    if existing is not None and existing["target"] == settings.target:
        yield settings, existing
        return
    yield from _own_stack(settings)


def _own_stack(settings: Settings) -> Iterator[tuple[Settings, dict[str, Any]]]:
    log = io.StringIO()
    try:
        yield settings, stack.up(settings, Progress(log))
    finally:
        stack.down(settings, Progress(log))


@pytest.fixture(scope="session")
def settings(session_stack: tuple[Settings, dict[str, Any]]) -> Settings:
    """The settings the session's stack was deployed with (a Docker target's endpoint included)."""
    return session_stack[0]


@pytest.fixture(scope="session")
def outputs(session_stack: tuple[Settings, dict[str, Any]]) -> dict[str, Any]:
    return session_stack[1]


@pytest.fixture(scope="session")
def backend(outputs: dict[str, Any]) -> str:
    """Which implementation answers: an emulator's name, or 'aws'. Names the gaps in fixtures."""
    return outputs["emulator"] or "aws"


@pytest.fixture(scope="session")
def api(outputs: dict[str, Any]) -> Api:
    api = Api(outputs["api_url"], outputs["api_key"])
    if outputs["target"] == AWS:
        wait_for_key(api)  # a new key is refused until its usage plan propagates
    return api


@pytest.fixture(scope="session")
def clients(settings: Settings, outputs: dict[str, Any]) -> Clients:
    """boto3 clients on the stack's own target (for checks behind the API's back)."""
    return Clients(settings, endpoint_url=outputs["endpoint_url"])


def extra_stack_settings(settings: Settings, outputs: dict[str, Any], state_dir: Path, **overrides: Any) -> Settings:
    """Another stack on the session's emulator: its own name and state folder, the same endpoint."""
    return replace(
        settings,
        target=ENDPOINT if settings.target == EMBEDDED else settings.target,
        endpoint_url=outputs["endpoint_url"],
        endpoint_kind=outputs["emulator"] or settings.endpoint_kind,
        functions_run_here=settings.target == EMBEDDED or settings.functions_run_here,
        consistency_proxy_url=outputs.get("consistency_proxy_url") or settings.consistency_proxy_url,
        stack_name=f"e2e-{uuid.uuid4().hex[:8]}",
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
        stack.down(extra, Progress(io.StringIO()))
