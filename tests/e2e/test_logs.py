"""``./harness logs`` round trip: the requestId of an error answer finds that invocation's log lines, and only
them, through CloudWatch Logs; ``--follow`` prints new records once each."""

import json

import pytest

from tests.support.cli import CliProcess, cli_env, run_bootstrap
from tests.support.polling import poll

pytestmark = pytest.mark.e2e
LOGS_ARRIVE_S = 60.0  # CloudWatch Logs ingests asynchronously (seconds on AWS)


def _error_request_id(api, operation: str) -> str:
    response = api.post({"operation": operation})
    assert response.status_code == 400, response.text
    return response.json()["error"]["requestId"]


def _logs(settings, *args: str):
    result = run_bootstrap("logs", "--since", "15m", *args, env=cli_env(settings), timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def test_logs__the_request_id_of_an_error_answer_shows_that_invocations_lines_only(api, settings):
    # GIVEN a bad request, and another one right after it
    request_id = _error_request_id(api, "frobnicate")
    other_id = _error_request_id(api, "frobnicate-too")
    # WHEN the real command asks for the first one's lines (polled: logs arrive asynchronously)
    result = poll(
        lambda: _logs(settings, "--request-id", request_id),
        accept=lambda result: "status=400" in result.stdout,
        timeout=LOGS_ARRIVE_S,
        interval=1.0,
    )
    # THEN every line is that invocation's, its summary carries the status, and the other request is absent
    lines = result.stdout.splitlines()
    assert lines and all(request_id in line for line in lines), lines
    assert any("request done  status=400" in line and "operation=frobnicate" in line for line in lines), lines
    assert other_id not in result.stdout
    # AND --json gives the raw records, the function's own carrying the id
    raw = [json.loads(line) for line in _logs(settings, "--request-id", request_id, "--json").stdout.splitlines()]
    assert {record.get("function_request_id") for record in raw if "level" in record} == {request_id}


def test_logs_follow__prints_new_records_once_each(api, settings):
    with CliProcess("logs", "--follow", "--since", "10m", env=cli_env(settings)) as follower:
        # GIVEN a request whose lines have been followed
        first = _error_request_id(api, "followed-first")
        follower.wait_for(lambda line: first in line and "request done" in line, timeout=LOGS_ARRIVE_S)
        # WHEN another request's lines arrive (so the follower has polled again, over the same time range)
        second = _error_request_id(api, "followed-second")
        follower.wait_for(lambda line: second in line and "request done" in line, timeout=LOGS_ARRIVE_S)
        # THEN the first request's lines were printed once each
        first_lines = [line for line in follower.lines if first in line]
        assert first_lines and len(first_lines) == len(set(first_lines)), first_lines
        assert follower.stop() == 0
