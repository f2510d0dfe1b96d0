"""Several stacks on one emulator at once (per test worker, per branch): each sees only its own items, keys
and function, also under concurrent load; ``status`` lists them all."""

import io
import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks.load import Api, burst_creates
from bootstrap.report import Progress
from harness_cli import lifecycle
from tests.support.cli import run_bootstrap

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_stack(stack_factory):
    extra = stack_factory()
    outputs = lifecycle.up(extra, Progress(io.StringIO()))
    return extra, outputs, Api(outputs["api_url"], outputs["api_key"])


def _ids(api: Api) -> set[str]:
    return {item["id"] for item in api.call({"operation": "list", "payload": {}})["Items"]}


def test_two_stacks_under_concurrent_load__never_see_each_other(api, outputs, second_stack):
    _, other_outputs, other_api = second_stack
    # WHEN both stacks take a burst of creates at the same time
    with ThreadPoolExecutor(max_workers=2) as pool:
        mine = pool.submit(burst_creates, api, 40, 4, "parallel-mine")
        theirs = pool.submit(burst_creates, other_api, 40, 4, "parallel-theirs")
        mine, theirs = mine.result(), theirs.result()
    # THEN every write landed in its own stack, none was lost, none failed
    assert mine.server_errors == theirs.server_errors == 0 and mine.lost == theirs.lost == []
    assert {f"parallel-theirs-{index}" for index in range(40)} <= _ids(other_api)
    assert not any(item_id.startswith("parallel-theirs-") for item_id in _ids(api))
    assert not any(item_id.startswith("parallel-mine-") for item_id in _ids(other_api))
    # AND one stack's key does not open the other's API (it is in the other's usage plan only)
    assert Api(other_outputs["api_url"], outputs["api_key"]).post({"operation": "ping"}).status_code == 403
    assert Api(outputs["api_url"], other_outputs["api_key"]).post({"operation": "ping"}).status_code == 403
    # AND a stack's function refuses the other's table by name (its role could not read it either)
    foreign = api.post({"operation": "read", "tableName": other_outputs["table_name"], "payload": {"Key": {"id": "x"}}})
    assert foreign.status_code == 403, foreign.text
    assert foreign.json()["error"]["message"] == f"this API serves only table '{outputs['table_name']}'"


@pytest.mark.needs("embedded_emulator")  # status of the embedded target reads this checkout's state folder
def test_status__lists_every_stack_on_the_emulator(settings, second_stack):
    extra, _, _ = second_stack
    env = {**os.environ, "HARNESS_STATE_DIR": str(settings.state_dir), "HARNESS_STACK": settings.stack_name}
    result = run_bootstrap("status", env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines()[2:] if line.startswith("  ")}
    assert {settings.stack_name, extra.stack_name} <= listed, result.stdout
    assert f"{settings.stack_name} " in result.stdout and "<- this checkout's" in result.stdout
