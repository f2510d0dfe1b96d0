"""The fault proxy's stale-read bookkeeping and control API (its path through a real stack is tested end to end)."""

import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from local_runtime.faults.client import FaultApi
from local_runtime.faults.proxy_server import serve
from local_runtime.faults.rules import AWS_ERRORS, FaultRule, Faults, error_answer
from local_runtime.faults.stale_reads import StaleReads
from tests.support.polling import poll

pytestmark = pytest.mark.unit
KEY = {"id": {"S": "1"}}


def test_new_item__reads_as_missing_within_the_window_then_fresh():
    stale = StaleReads(window_s=0.2, key_attributes=("id",))
    stale.record_write("t", KEY, None)
    assert stale.stale_version("t", KEY) == (True, None)
    assert poll(lambda: stale.stale_version("t", KEY), accept=lambda v: not v[0], timeout=5, interval=0.02) == (
        False,
        None,
    )


def test_two_writes_in_one_window__readers_still_see_the_version_before_the_first():
    stale = StaleReads(window_s=5, key_attributes=("id",))
    stale.record_write("t", KEY, {"id": {"S": "1"}, "v": {"N": "1"}})
    stale.record_write("t", KEY, {"id": {"S": "1"}, "v": {"N": "2"}})
    assert stale.stale_version("t", KEY) == (True, {"id": {"S": "1"}, "v": {"N": "1"}})


def test_key_of__put_uses_the_item_key_attributes_only():
    stale = StaleReads(window_s=1, key_attributes=("id",))
    assert stale.key_of("PutItem", {"Item": {"id": {"S": "1"}, "x": {"S": "y"}}}) == KEY
    assert stale.key_of("DeleteItem", {"Key": KEY}) == KEY


def test_other_tables_and_keys__are_not_stale():
    stale = StaleReads(window_s=5, key_attributes=("id",))
    stale.record_write("t", KEY, None)
    assert stale.stale_version("other", KEY) == (False, None)
    assert stale.stale_version("t", {"id": {"S": "2"}}) == (False, None)


def test_set_window__one_table_only_and_back_to_the_default():
    stale = StaleReads(window_s=0.0, key_attributes=("id",))
    stale.set_window("t", 5)
    stale.record_write("t", KEY, None)
    stale.record_write("other", KEY, None)
    assert stale.stale_version("t", KEY) == (True, None)
    assert stale.stale_version("other", KEY) == (False, None)
    stale.set_window("t", None)
    assert stale.window_for("t") == 0.0
    assert stale.stale_version("t", KEY) == (False, None)


@pytest.fixture
def shared_proxy():
    """A shared proxy on loopback; its upstream is never called by the control API."""
    server = serve("http://127.0.0.1:9", 0, 0.0, ("id",))  # port 0: never one another process picked too
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_control_api__health_names_the_url_functions_use(shared_proxy):
    answer = requests.get(f"{shared_proxy}/_harness/health", timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "function_url": shared_proxy}


def test_control_api__put_list_delete_a_table_window(shared_proxy):
    # GIVEN a shared proxy with no windows
    url = f"{shared_proxy}/_harness/consistency/my%20table"
    # WHEN a window is set for one table, THEN it is listed; WHEN deleted, THEN it is gone
    assert requests.put(url, json={"window_ms": 1500}, timeout=5).json() == {"table": "my table", "window_ms": 1500}
    listed = requests.get(f"{shared_proxy}/_harness/consistency", timeout=5).json()
    assert listed == {"default_window_ms": 0.0, "tables": {"my table": 1500.0}}
    assert requests.delete(url, timeout=5).status_code == 200
    assert requests.get(f"{shared_proxy}/_harness/consistency", timeout=5).json()["tables"] == {}


@pytest.mark.parametrize("body", [{}, {"window_ms": "soon"}, {"window_ms": -1}, {"window_ms": 1e12}, [1]])
def test_control_api__bad_window__400_naming_the_rule(shared_proxy, body):
    answer = requests.put(f"{shared_proxy}/_harness/consistency/t", json=body, timeout=5)
    assert answer.status_code == 400
    assert "window_ms" in answer.json()["error"]


def test_control_api__unknown_path__404(shared_proxy):
    assert requests.get(f"{shared_proxy}/_harness/nothing", timeout=5).status_code == 404


# --- faults -------------------------------------------------------------------------------------------------


class _CountingDynamoDB(BaseHTTPRequestHandler):
    """An upstream that answers every DynamoDB call with ``{}`` and counts the calls that reach it."""

    calls: ClassVar[list[str]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.calls.append(self.headers.get("X-Amz-Target", ""))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *_args: object) -> None:
        pass


def _serving(server: ThreadingHTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def proxied() -> Iterator[tuple[str, list[str]]]:
    """A per-stack fault proxy in front of a counting upstream: (the proxy's URL, the calls upstream saw)."""
    _CountingDynamoDB.calls = []
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _CountingDynamoDB)
    for upstream_url in _serving(upstream):
        for proxy_url in _serving(serve(upstream_url, 0, 0.0, ("id",))):
            yield proxy_url, _CountingDynamoDB.calls


def _client(url: str):  # noqa: ANN202 - a boto3 client, as the function has it: standard retries, 3 attempts
    config = Config(retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=2, read_timeout=5)
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - never leaves loopback
        config=config,
    )


PUT = {"TableName": "t", "Item": {"id": {"S": "1"}}}


@pytest.mark.parametrize("code", list(AWS_ERRORS))
@pytest.mark.usefixtures("sdk_retries_without_backoff")
def test_error__botocore_reads_dynamodb_s_code_and_retries_it_then_nothing_reached_dynamodb(proxied, code):
    # GIVEN every PutItem on table t fails with the error
    url, upstream_calls = proxied
    FaultApi(url, "t").set("PutItem", error=code)
    # WHEN the SDK (standard retries) writes THEN it raises that code after its 3 attempts, and no write got through
    with pytest.raises(ClientError) as raised:
        _client(url).put_item(**PUT)
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == AWS_ERRORS[code][0]
    assert raised.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert upstream_calls == []


def test_error_answer__dynamodb_s_bytes_with_a_valid_crc32():
    status, headers, body = error_answer("ProvisionedThroughputExceededException")
    assert status == 400
    assert body.startswith(b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",')
    assert dict(headers)["x-amz-crc32"] == str(zlib.crc32(body))
    assert dict(headers)["Content-Type"] == "application/x-amz-json-1.0"


@pytest.mark.usefixtures("sdk_retries_without_backoff")
def test_count_1__the_sdk_s_retry_absorbs_it(proxied):
    url, upstream_calls = proxied
    FaultApi(url, "t").set("PutItem", error="ThrottlingException", count=1)
    response = _client(url).put_item(**PUT)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert upstream_calls == ["DynamoDB_20120810.PutItem"]
    assert FaultApi(url, "t").listed() == []  # used up


@pytest.mark.usefixtures("sdk_retries_without_backoff")
def test_drop__the_sdk_sees_a_closed_connection_and_nothing_reached_dynamodb(proxied):
    url, upstream_calls = proxied
    FaultApi(url, "t").set("all", drop=True)
    with pytest.raises(ConnectionClosedError):
        _client(url).put_item(**PUT)
    assert upstream_calls == []


def test_latency_only__the_call_goes_through_late(proxied):
    url, upstream_calls = proxied
    FaultApi(url, "t").set("GetItem", latency_ms=300)
    started = time.monotonic()
    _client(url).get_item(TableName="t", Key={"id": {"S": "1"}})
    assert time.monotonic() - started >= 0.3
    assert upstream_calls == ["DynamoDB_20120810.GetItem"]


def test_other_tables_and_operations__pass(proxied):
    url, upstream_calls = proxied
    FaultApi(url, "t").set("PutItem", error="InternalServerError")
    _client(url).put_item(TableName="other", Item={"id": {"S": "1"}})
    _client(url).get_item(TableName="t", Key={"id": {"S": "1"}})
    assert len(upstream_calls) == 2


def test_draw__the_operation_s_own_rule_wins_over_all_and_probability_0_never_fires():
    faults = Faults()
    faults.set(FaultRule("t", "all", error="InternalServerError"))
    faults.set(FaultRule("t", "GetItem", error="ThrottlingException"))
    assert faults.draw("t", "GetItem").error == "ThrottlingException"
    assert faults.draw("t", "Scan").error == "InternalServerError"
    faults.set(FaultRule("t", "Scan", latency_ms=1, probability=0.0))
    assert all(faults.draw("t", "Scan") is None for _ in range(200))


def test_count__fires_that_many_times_then_is_gone():
    faults = Faults()
    faults.set(FaultRule("t", "PutItem", drop=True, count=2))
    assert [faults.draw("t", "PutItem") is not None for _ in range(3)] == [True, True, False]
    assert faults.listed() == []


def test_control_api__put_list_clear(shared_proxy):
    api = FaultApi(shared_proxy, "my table")
    rule = api.set("UpdateItem", error="ServiceUnavailable", probability=0.5, count=3)
    assert rule == {
        "table": "my table",
        "operation": "UpdateItem",
        "error": "ServiceUnavailable",
        "drop": False,
        "latency_ms": 0.0,
        "probability": 0.5,
        "count": 3,
    }
    api.set("Scan", latency_ms=100)
    FaultApi(shared_proxy, "another").set("all", drop=True)
    assert [r["operation"] for r in api.listed()] == ["UpdateItem", "Scan"]
    assert [r["operation"] for r in api.clear("Scan")] == ["Scan"]
    assert [r["operation"] for r in api.clear()] == ["UpdateItem"]
    assert [r["table"] for r in requests.get(f"{shared_proxy}/_harness/faults", timeout=5).json()["faults"]] == [
        "another"
    ]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ({"operation": "PutItem", "error": "ThrottlingException"}, "table"),
        ({"table": "t", "operation": "Query", "error": "ThrottlingException"}, "operation"),
        ({"table": "t", "operation": "PutItem", "error": "NoSuchError"}, "error"),
        ({"table": "t", "operation": "PutItem"}, "a fault needs"),
        ({"table": "t", "operation": "PutItem", "error": "ThrottlingException", "drop": True}, "drop"),
        ({"table": "t", "operation": "PutItem", "drop": True, "probability": 2}, "probability"),
        ({"table": "t", "operation": "PutItem", "drop": True, "probability": "1"}, "probability"),
        ({"table": "t", "operation": "PutItem", "latency_ms": -5}, "latency_ms"),
        ({"table": "t", "operation": "PutItem", "drop": True, "count": 0}, "count"),
        ({"table": "t", "operation": "PutItem", "drop": True, "when": "now"}, "unknown field"),
        ([1], "JSON object"),
    ],
)
def test_control_api__bad_fault__400_naming_the_rule(shared_proxy, body, names):
    answer = requests.put(f"{shared_proxy}/_harness/faults", json=body, timeout=5)
    assert answer.status_code == 400
    assert names in answer.json()["error"]


def test_control_api__body_not_json__400(shared_proxy):
    answer = requests.put(f"{shared_proxy}/_harness/faults", data=b"{nope", timeout=5)
    assert (answer.status_code, answer.json()) == (400, {"error": "the body is not JSON"})
