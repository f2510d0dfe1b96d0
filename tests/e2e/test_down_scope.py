"""A `down` of one stack touches nothing of another: not its outputs, not its fault proxy, not the emulator it
lives on. The emulator stops with the last stack on it."""

import json
import os

import pytest

from benchmarks.load import Api
from harness_cli import lifecycle
from local_runtime import emulators
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


def test_two_stacks_on_one_emulator__it_stops_with_the_last_one(tmp_path):
    # GIVEN two stacks brought up in one state folder: they share its emulator, and the outputs are the last one's
    env = _own_emulator_env(tmp_path)
    try:
        for name in ("scope-a", "scope-b"):
            up = run_bootstrap("up", "--stack", name, env=env, timeout=180)
            assert up.returncode == 0, up.stderr
        b_outputs = json.loads((tmp_path / "outputs.json").read_text())
        assert b_outputs["stack_name"] == "scope-b"
        # WHEN the first is taken down
        first = run_bootstrap("down", "--stack", "scope-a", env=env, timeout=120)
        # THEN the emulator is kept for the other, which still serves, and its outputs stay
        assert first.returncode == 0, first.stderr
        assert "kept" in first.stdout and "scope-b" in first.stdout
        assert json.loads((tmp_path / "outputs.json").read_text()) == b_outputs
        assert Api(b_outputs["api_url"], b_outputs["api_key"]).call({"operation": "ping"}) == "pong"
        # WHEN the last is taken down, THEN the emulator stops and the outputs go
        last = run_bootstrap("down", "--stack", "scope-b", env=env, timeout=120)
        assert last.returncode == 0, last.stderr
        assert not (tmp_path / "outputs.json").exists()
        assert not (tmp_path / "emulator.json").exists()
    finally:  # whatever failed above: nothing of this test keeps running
        run_bootstrap("down", "--stop-emulator", env=env, timeout=120)
