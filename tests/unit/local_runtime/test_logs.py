"""``./harness logs``: one readable line per record, START/END folded, REPORT's duration kept, --json raw."""

import json
from datetime import datetime

import pytest

from local_runtime import logs

pytestmark = pytest.mark.unit
REQUEST = "4b6a10d7-a1f8-45a0-91b9-a920c829b24f"
AT_MS = 1795994412797
CLOCK = datetime.fromtimestamp(AT_MS / 1000).strftime("%H:%M:%S.797")
DONE = {
    "level": "WARNING",
    "location": "lambda_handler:67",
    "message": "request done",
    "timestamp": "2026-11-29 23:20:12,795+0000",
    "service": "LambdaFunctionOverHttps",
    "cold_start": False,
    "function_name": "LambdaFunctionOverHttps",
    "function_memory_size": 256,
    "function_arn": "arn:aws:lambda:us-east-1:000000000000:function:LambdaFunctionOverHttps",
    "function_request_id": REQUEST,
    "xray_trace_id": "1-abc",
    "operation": "read",
    "status": 500,
    "duration_ms": 20.03,
}


def event(message: str) -> dict:
    return {"timestamp": AT_MS, "message": message, "logStreamName": "2026/11/29/[$LATEST]abc"}


def test_powertools_record__time_level_request_id_message_status_duration_then_own_keys():
    line = logs.format_event(event(json.dumps(DONE) + "\n"))
    assert line == f"{CLOCK}  WARNING {REQUEST}  request done  status=500  20.03 ms  operation=read"


def test_exception_record__keeps_the_keys_the_handler_added():
    record = {**DONE, "message": "unexpected failure", "exception": "Traceback ...", "exception_name": "KeyError"}
    del record["status"], record["duration_ms"]
    line = logs.format_event(event(json.dumps(record)))
    assert line.endswith("unexpected failure  operation=read  exception=Traceback ...  exception_name=KeyError")


@pytest.mark.parametrize("platform", [f"START RequestId: {REQUEST} Version: $LATEST", f"END RequestId: {REQUEST}"])
def test_start_and_end__folded(platform):
    assert logs.format_event(event(platform)) is None


def test_report__shows_the_invocations_duration_and_memory():
    report = f"REPORT RequestId: {REQUEST}\tDuration: 2.51 ms\tBilled Duration: 3 ms\tMemory Size: 256 MB\t"
    line = logs.format_event(event(report + "Max Memory Used: 81 MB\t"))
    assert line == f"{CLOCK}  REPORT  {REQUEST}  invocation took 2.51 ms, max memory 81 MB"


def test_any_other_line__shown_as_it_is():
    assert (
        logs.format_event(event("[WARNING] something printed"))
        == f"{CLOCK}  -       -{' ' * 35}  [WARNING] something printed"
    )


def test_json__records_raw_and_other_lines_wrapped():
    assert logs.raw_event(event(json.dumps(DONE) + "\n")) == json.dumps(DONE)
    assert json.loads(logs.raw_event(event(f"END RequestId: {REQUEST}"))) == {
        "timestamp": AT_MS,
        "message": f"END RequestId: {REQUEST}",
    }


@pytest.mark.parametrize(
    ("text", "ago_ms"), [("30s", 30_000), ("5m", 300_000), ("2h", 7_200_000), ("1.5d", 129_600_000)]
)
def test_since__is_that_long_before_now(text, ago_ms):
    assert logs.since_ms(text, now_ms=10**13) == 10**13 - ago_ms


@pytest.mark.parametrize("text", ["5", "m", "5 minutes", "-5m", ""])
def test_since__refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="--since"):
        logs.since_ms(text)


def test_request_filter__a_quoted_term_and_nothing_else():
    assert logs.request_filter(REQUEST) == f'"{REQUEST}"'
    with pytest.raises(ValueError, match="--request-id"):
        logs.request_filter('x" OR "y')


def test_event_key__aws_event_id_else_stream_time_and_text():
    assert logs.event_key({"eventId": "123", **event("a")}) == ("123",)
    assert logs.event_key(event("a")) != logs.event_key(event("b"))


def test_events__every_page_with_the_request_filter_sent_and_checked(aws_env):
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("logs", region_name="us-east-1")
    asked = {"logGroupName": "/aws/lambda/fn", "startTime": 5, "filterPattern": f'"{REQUEST}"'}
    with Stubber(client) as stub:
        # GIVEN two pages, the second with an event that lacks the id (LocalStack ignores the pattern)
        stub.add_response(
            "filter_log_events", {"events": [event(f"END RequestId: {REQUEST}")], "nextToken": "t"}, asked
        )
        stub.add_response(
            "filter_log_events", {"events": [event("other"), event(REQUEST)]}, {**asked, "nextToken": "t"}
        )
        # WHEN the events are read, THEN both pages are, and only the id's events come back
        found = list(logs.events(client, "/aws/lambda/fn", 5, REQUEST))
        stub.assert_no_pending_responses()
    assert [found_event["message"] for found_event in found] == [f"END RequestId: {REQUEST}", REQUEST]


def test_no_cloudwatch_logs__the_embedded_emulators_own_log_said_on_stderr(tmp_path, capsys):
    from bootstrap.settings import Settings
    from harness_cli import logs as logs_command
    from harness_cli.common import CommandError

    settings = Settings(state_dir=tmp_path)
    (tmp_path / "ministack.log").write_text(f"a line of {REQUEST}\nanother request's line\n")
    outputs = {"target": "embedded", "emulator": "ministack", "function_name": "fn"}
    assert logs_command._emulator_log(settings, outputs, REQUEST) == 0
    captured = capsys.readouterr()
    assert captured.out == f"a line of {REQUEST}\n"
    assert (
        captured.err == f"note: ministack keeps no CloudWatch Logs for the function; showing {tmp_path}/ministack.log\n"
    )
    with pytest.raises(CommandError, match="no CloudWatch Logs group /aws/lambda/fn on this target"):
        logs_command._emulator_log(settings, {**outputs, "target": "endpoint"}, REQUEST)
