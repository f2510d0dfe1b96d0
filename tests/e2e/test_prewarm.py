"""``up`` on a local target starts HARNESS_PREWARM execution environments before it returns."""

import json
import re

import pytest

from tests.support import api_after_up, run_cli

pytestmark = pytest.mark.e2e


def test_up_prewarm__starts_that_many_environments_then_serves(stack_factory, outputs):
    if outputs["target"] == "aws":
        pytest.skip("prewarming is for local targets (AWS has provisioned concurrency)")
    extra = stack_factory()
    # WHEN up runs with --prewarm 3
    result = run_cli(extra, "up", "--prewarm", "3")
    # THEN it reports three environments started (every warm-up invocation answered), and the API serves
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^  prewarm +3 execution environments +warm +\d+\.\d\ds$", result.stdout, re.M), result.stdout
    assert "warm-up invocation(s) failed" not in result.stdout
    assert api_after_up(json.loads(extra.outputs_path.read_text())).call({"operation": "ping"}) == "pong"
