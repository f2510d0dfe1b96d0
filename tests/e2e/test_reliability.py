"""Load, throttling, quotas, crashes and restarts through the real API (loopback only, bounded)."""

import io
import os
import signal
import uuid
import zipfile
from collections import Counter

import pytest

from benchmarks.load import Api, burst_creates
from bootstrap import package
from bootstrap.report import Progress
from bootstrap.settings import AWS, Settings
from harness_cli import lifecycle
from local_runtime import emulators, prewarm
from local_runtime.processes import is_alive, pick_port, poll_until
from tests.support.polling import api_after_up, poll

pytestmark = pytest.mark.e2e


def test_burst_of_300_creates_from_16_threads__no_5xx_nothing_lost(api, clients, outputs, settings):
    # GIVEN 16 environments warm, as `./harness up` leaves them (the session's stack was made by the bootstrap
    # directly). Sixteen cold starts at once on a machine the other test workers keep busy can outlast API
    # Gateway's 29 s (504, as AWS would answer). This test is about steady load; the bursts on fresh stacks in
    # test_parallel_stacks.py meet cold starts.
    if outputs["target"] != AWS:
        assert prewarm.warm(clients, outputs["function_name"], 16).failures == []
    # WHEN 300 creates come from 16 clients
    result = burst_creates(api, count=300, clients=16, prefix=f"burst-{uuid.uuid4().hex[:8]}")
    # THEN no 5xx, and every create that got a 2xx reads back
    statuses = Counter(result.statuses)
    assert result.server_errors == 0, statuses
    assert result.lost == []
    assert set(statuses) <= {200, 429}, statuses
    # AND throttling takes no more than the stack's limits: the stage's and the usage plan's token buckets start
    # full, so at least the smaller of their bursts is served (with the defaults, 500 and 1000: all 300)
    served = min(300, settings.plan_burst_limit, settings.stage_burst_limit)
    assert statuses[200] >= served, statuses


@pytest.mark.aws_behaviour("usage-plan-throttle")
def test_usage_plan_throttle__429(stack_factory):
    # GIVEN a stack whose usage plan allows 1 request per second with a burst of 1
    settings = stack_factory(plan_rate_limit=1.0, plan_burst_limit=1)
    api = api_after_up(lifecycle.up(settings, Progress(io.StringIO())))
    # WHEN a request gets through (at once on emulators; on AWS the wait for the new stack spent the burst),
    # and 4 more arrive right after it
    poll(lambda: api.post({"operation": "ping"}).status_code, accept=lambda status: status == 200, timeout=30)
    responses = [api.post({"operation": "ping"}) for _ in range(4)]
    # THEN the ones over the burst get API Gateway's 429
    throttled = [response for response in responses if response.status_code == 429]
    assert throttled, [response.status_code for response in responses]
    assert all(response.json() == {"message": "Too Many Requests"} for response in throttled)


@pytest.mark.aws_behaviour("usage-plan-quota")
def test_usage_plan_quota__429_once_used_up(stack_factory):
    settings = stack_factory(plan_quota_per_day=3)
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    api = api_after_up(outputs)
    statuses = [api.post({"operation": "ping"}).status_code for _ in range(5)]
    # On AWS, the probes that waited for the new stack (up's and the test's) used part of the quota already.
    allowed = 3 if outputs["target"] != AWS else statuses.count(200)
    assert statuses == [200] * allowed + [429] * (5 - allowed) and allowed <= 3
    assert api.post({"operation": "ping"}).json() == {"message": "Limit Exceeded"}


_CRASHING_APP = '''"""The real handler, plus a way to kill the process mid-request (test-only build)."""
import os

from handler.real_app import lambda_handler as _real


def lambda_handler(event, context):
    if "crash-now" in (event.get("body") or ""):
        os._exit(1)
    return _real(event, context)
'''


def _crashing_zip() -> bytes:
    """The deployment zip with handler/app.py wrapped by a crash switch."""
    import io as bytes_io

    buffer = bytes_io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for arcname, path in package.source_files():
            if arcname == "handler/app.py":
                archive.writestr("handler/real_app.py", path.read_bytes())
                archive.writestr("handler/app.py", _CRASHING_APP)
            else:
                archive.writestr(arcname, path.read_bytes())
    return buffer.getvalue()


@pytest.mark.aws_behaviour("function-crash")
def test_function_crash_mid_request__502_then_the_next_request_succeeds(stack_factory, clients):
    settings = stack_factory()
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    api_after_up(outputs)
    lambda_client = clients("lambda")
    lambda_client.update_function_code(FunctionName=outputs["function_name"], ZipFile=_crashing_zip())
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=outputs["function_name"])
    api = Api(outputs["api_url"], outputs["api_key"])
    # WHEN the function's process dies mid-request
    crashed = api.post({"operation": "echo", "payload": "crash-now"})
    # THEN API Gateway answers 502, and the next request gets a fresh execution environment
    assert crashed.status_code == 502
    assert api.call({"operation": "ping"}) == "pong"
    assert crashed.json() == {"message": "Internal server error"}


@pytest.mark.needs("embedded_emulator")  # starts, kills and restarts an embedded emulator of its own
def test_emulator_killed__up_restores_the_stack_and_says_data_is_gone(settings, tmp_path):
    own = Settings(emulator=settings.emulator, stack_name="restart", state_dir=tmp_path / "state", port=pick_port(4700))
    try:
        outputs = lifecycle.up(own, Progress(io.StringIO()))
        Api(outputs["api_url"], outputs["api_key"]).call({"operation": "create", "payload": {"Item": {"id": "kept?"}}})
        record = emulators.running(own)
        # WHEN the emulator dies without warning
        os.killpg(record.pid, signal.SIGKILL)
        assert poll_until(lambda: not is_alive(record.pid), 10)
        # THEN up starts a new one and recreates every resource; the emulator kept no items (documented)
        restored = lifecycle.up(own, Progress(io.StringIO()))
        api = Api(restored["api_url"], restored["api_key"])
        assert api.call({"operation": "ping"}) == "pong"
        assert api.post({"operation": "read", "payload": {"Key": {"id": "kept?"}}}).status_code == 404
    finally:
        lifecycle.down(own, Progress(io.StringIO()))
    assert emulators.running(own) is None
