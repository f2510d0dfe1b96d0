"""A `down` of one stack touches nothing of another: not its outputs, not its fault proxy, not the emulator it
lives on. The emulator stops with the last stack on it."""

import json
import os

import pytest

from benchmarks.load import Api
from harness_cli import lifecycle
from local_runtime import emulators
from local_runtime.processes import EmulatorRecord, is_alive
from tests.support.cli import NOT_PREWARMED, cli_env, run_bootstrap

pytestmark = pytest.mark.e2e


def _own_emulator_env(state_dir) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "HARNESS_"))}
    env.update(HARNESS_STATE_DIR=str(state_dir), **NOT_PREWARMED)
    return env


def _read(api: Api, item_id: str) -> int:
    return api.post({"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}}).status_code


@pytest.mark.needs("embedded_emulator")  # the session's emulator is this checkout's, one a down could stop
def test_down_of_a_stack_that_is_not_up__leaves_this_checkout_s_stack_serving(settings, outputs, api):
    # GIVEN this checkout's stack, up, with an item in it
    api.call({"operation": "create", "payload": {"Item": {"id": "down-scope-1"}}})
    saved = settings.outputs_path.read_text()
    # WHEN `down` is run for another stack name, which has nothing up
    other = run_bootstrap("down", "--stack", f"{settings.stack_name}-other", env=cli_env(settings), timeout=120)
    # THEN it succeeds and this checkout's outputs, status, emulator and item are all still there
    assert other.returncode == 0, other.stderr
    assert settings.outputs_path.read_text() == saved
    assert lifecycle.status(settings) == json.loads(saved)
    assert emulators.running(settings) is not None
    assert _read(api, "down-scope-1") == 200


def _proxy_alive(state_dir) -> bool:
    record = EmulatorRecord.load(state_dir / "fault-proxy-own-scope-b.json")
    return record is not None and is_alive(record.pid)


def test_two_stacks_on_one_emulator__down_and_sweep_of_one_leave_the_other_and_its_proxy(tmp_path):
    # GIVEN two stacks brought up in one state folder: they share its emulator; the outputs and the fault proxy are
    # the last one's
    env = _own_emulator_env(tmp_path)
    try:
        for args in (("--stack", "scope-a"), ("--stack", "scope-b", "--faults")):
            up = run_bootstrap("up", *args, env=env, timeout=180)
            assert up.returncode == 0, up.stderr
        b_outputs = json.loads((tmp_path / "outputs.json").read_text())
        assert b_outputs["stack_name"] == "scope-b" and _proxy_alive(tmp_path)
        b_api = Api(b_outputs["api_url"], b_outputs["api_key"])
        # WHEN the first is taken down
        first = run_bootstrap("down", "--stack", "scope-a", env=env, timeout=120)
        # THEN the emulator is kept for the other, which still serves through its proxy, and its outputs stay
        assert first.returncode == 0, first.stderr
        assert "kept" in first.stdout and "scope-b" in first.stdout
        assert json.loads((tmp_path / "outputs.json").read_text()) == b_outputs and _proxy_alive(tmp_path)
        assert b_api.call({"operation": "ping"}) == "pong"
        # WHEN the first comes back and is swept, THEN the same holds
        assert run_bootstrap("up", "--stack", "scope-a", env=env, timeout=180).returncode == 0
        assert _proxy_alive(tmp_path)  # a's up without --faults stops no other stack's proxy
        (tmp_path / "outputs.json").write_text(json.dumps(b_outputs))  # the checkout's stack is b again
        swept = run_bootstrap("sweep", "--prefix", "scope-a", "--older-than-hours", "0", env=env, timeout=120)
        assert swept.returncode == 0, swept.stderr
        assert json.loads((tmp_path / "outputs.json").read_text()) == b_outputs and _proxy_alive(tmp_path)
        assert b_api.call({"operation": "ping"}) == "pong"
        # WHEN the last is taken down, THEN the emulator and the proxy stop and the outputs go
        last = run_bootstrap("down", "--stack", "scope-b", env=env, timeout=120)
        assert last.returncode == 0, last.stderr
        assert not (tmp_path / "outputs.json").exists()
        assert not (tmp_path / "emulator.json").exists() and not _proxy_alive(tmp_path)
    finally:  # whatever failed above: nothing of this test keeps running
        run_bootstrap("down", "--stop-emulator", "--stack", "scope-b", env=env, timeout=120)
