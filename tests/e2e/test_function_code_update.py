"""UpdateFunctionCode as AWS does it: invocations in flight finish on the old code, and once the update is done
no invocation runs the old code, however many warm execution environments the function had."""

import io
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from benchmarks.load import Api
from bootstrap import package
from bootstrap.function import WAITER
from bootstrap.report import Progress
from harness_cli import lifecycle
from tests.support.paths import handler_copy
from tests.support.polling import api_after_up, poll

pytestmark = pytest.mark.e2e
SLOW_ECHO = '''

import time as _time


def _slow_echo(table, payload):
    """Test-only: an echo of {"slow": ID} writes item ID, then takes a while: an invocation that is seen in flight."""
    if isinstance(payload, dict) and "slow" in payload:
        table.put_item(Item={"id": payload["slow"]})
        _time.sleep(3)
    return echo(table, payload)


OPERATIONS["echo"] = _slow_echo
'''


@pytest.fixture
def slow_source(tmp_path):
    source = handler_copy(tmp_path)
    operations = source / "operations.py"
    operations.write_text(operations.read_text() + SLOW_ECHO)
    return source


def _pings(api: Api, count: int) -> list:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: api.call({"operation": "ping"}), range(count)))


def test_code_update__in_flight_finishes_on_old_code_and_every_later_invocation_runs_the_new(
    stack_factory, clients, slow_source
):
    # GIVEN a stack deployed from a copy of the handler, with several warm execution environments
    settings = stack_factory(handler_dir=slow_source)
    outputs = lifecycle.up(settings, Progress(io.StringIO()))
    api = api_after_up(outputs)
    assert _pings(api, 4) == ["pong"] * 4
    # WHEN an invocation is in flight (its item is written: it runs) while the code changes and the update completes
    marker, in_flight = f"in-flight-{uuid.uuid4().hex[:8]}", {}
    slow_request = {"operation": "echo", "payload": {"slow": marker}}
    slow = threading.Thread(target=lambda: in_flight.update(answer=Api(api.url, api.key).post(slow_request)))
    slow.start()
    read = {"operation": "read", "payload": {"Key": {"id": marker}, "ConsistentRead": True}}
    poll(lambda: api.post(read).status_code, accept=lambda status: status == 200, timeout=20)
    operations = slow_source / "operations.py"
    operations.write_text(operations.read_text().replace('return "pong"', 'return "pong-v2"'))
    lambda_client = clients("lambda")
    lambda_client.update_function_code(
        FunctionName=outputs["function_name"], ZipFile=package.build_zip(handler_dir=slow_source)
    )
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=outputs["function_name"], WaiterConfig=WAITER)
    # THEN every invocation from now on runs the new code
    assert _pings(api, 4) == ["pong-v2"] * 4
    # AND the one in flight finished normally (on AWS it keeps its execution environment until it returns)
    slow.join(timeout=30)
    assert in_flight["answer"].status_code == 200, in_flight["answer"].text
    assert in_flight["answer"].json() == {"slow": marker}
    assert _pings(api, 4) == ["pong-v2"] * 4
