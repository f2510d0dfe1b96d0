"""Two `up`s at the same moment, from two state folders (two checkouts): each gets an emulator of its own."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks.load import Api
from bootstrap.settings import PROJECT_ROOT
from tests.support.cli import NOT_PREWARMED

pytestmark = pytest.mark.e2e


def _bootstrap(command: str, state_dir, port: int | None = None) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "HARNESS_"))}
    env.update(HARNESS_STATE_DIR=str(state_dir), HARNESS_STACK="concurrent", **NOT_PREWARMED)
    return subprocess.Popen(
        [sys.executable, "-m", "harness_cli", command],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_ups_at_once__both_succeed_each_on_its_own_emulator(tmp_path):
    # GIVEN two state folders, as two checkouts have, and no emulator running for either
    folders = [tmp_path / "one", tmp_path / "two"]
    try:
        # WHEN both run `up` at the same moment (both find the same free port)
        runs = [_bootstrap("up", folder) for folder in folders]
        results = [(run.wait(timeout=120), run.stdout.read()) for run in runs]
        # THEN both succeed, on different emulators, and each API answers with its own key
        assert [code for code, _ in results] == [0, 0], results
        outputs = [json.loads((folder / "outputs.json").read_text()) for folder in folders]
        assert outputs[0]["endpoint_url"] != outputs[1]["endpoint_url"]
        records = [json.loads((folder / "emulator.json").read_text()) for folder in folders]
        assert records[0]["pid"] != records[1]["pid"]
        for output in outputs:
            assert Api(output["api_url"], output["api_key"]).call({"operation": "ping"}) == "pong"
    finally:
        downs = [_bootstrap("down", folder) for folder in folders]
        assert [down.wait(timeout=120) for down in downs] == [0, 0]
