"""``up`` on a local target starts HARNESS_PREWARM execution environments before it returns, and a burst from as
many clients runs on them: no execution environment starts while a warm one is idle, as on AWS."""

import json
import re
import uuid
from pathlib import Path

import pytest

from benchmarks.load import burst_creates
from bootstrap.settings import EMBEDDED
from local_runtime.processes import owned_processes
from tests.support.cli import run_cli
from tests.support.polling import api_after_up

pytestmark = pytest.mark.e2e
PREWARMED = 3


def _environments(record_path: Path, function_name: str) -> set[int]:
    """The function's execution environments: the emulator's processes running it (its name in their environment)."""
    mark = f"AWS_LAMBDA_FUNCTION_NAME={function_name}".encode()
    found = set()
    for pid in owned_processes(record_path):
        try:
            if mark in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
                found.add(pid)
        except OSError:
            continue
    return found


@pytest.mark.needs("emulator")  # prewarming is for local targets (AWS has provisioned concurrency)
def test_up_prewarm__starts_that_many_environments_then_serves_a_burst_of_as_many_clients_on_them(
    settings, stack_factory, outputs
):
    extra = stack_factory()
    # WHEN up runs with --prewarm 3
    result = run_cli(extra, "up", "--prewarm", str(PREWARMED))
    # THEN it reports three environments started (every warm-up invocation answered), and the API serves
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^  prewarm +3 execution environments +warm +\d+\.\d\ds$", result.stdout, re.M), result.stdout
    assert "warm-up invocation(s) failed" not in result.stdout
    extra_outputs = json.loads(extra.outputs_path.read_text())
    api = api_after_up(extra_outputs)
    assert api.call({"operation": "ping"}) == "pong"
    if outputs["target"] != EMBEDDED or settings.emulator != "ministack":
        return  # the environments below are counted as MiniStack's processes
    # AND the emulator runs that many, counted apart from what the command says: its processes running the function
    record = settings.state_dir / "emulator.json"
    warm = _environments(record, extra_outputs["function_name"])
    assert len(warm) == PREWARMED, warm
    # WHEN as many clients send a burst of creates (each waits for its answer before it sends again)
    burst = burst_creates(api, 10 * len(warm), len(warm), f"prewarm-{uuid.uuid4().hex[:8]}")
    # THEN every create was served, by the same environments: none started, none stopped
    assert burst.server_errors == 0 and not burst.lost, burst
    assert _environments(record, extra_outputs["function_name"]) == warm
