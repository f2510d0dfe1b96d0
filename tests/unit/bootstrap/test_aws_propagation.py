"""Issue 14, point 9: after ``up`` on AWS, one real request through the API must succeed (bounded wait), and the
output says so; emulators are never probed. The API here is a loopback server answering as AWS does while IAM
and API Gateway propagate: 403 (new key / plan), 500 (permission, policy), then 200."""

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from benchmarks.load import Api
from bootstrap import ready
from bootstrap.report import Progress
from bootstrap.settings import AWS, Settings
from harness_cli import lifecycle
from tests.support.polling import api_after_up

pytestmark = pytest.mark.unit


class _Propagating(BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[tuple[str | None, dict]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append((self.headers.get("x-api-key"), body))
        status = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        payload = b'{"Items": [], "Count": 0}' if status == 200 else b'{"message": "Forbidden"}'
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def api_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Propagating)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dev/DynamoDBManager"
    finally:
        server.shutdown()
        server.server_close()


def test_wait_until_serving__retries_403_and_500_until_a_real_request_succeeds(api_url):
    # GIVEN an API that refuses the new key twice, then fails in the function (policy not there yet), then works
    _Propagating.answers, _Propagating.seen = [403, 403, 500, 200], []
    sleeps: list[float] = []
    # WHEN up waits for it
    ready.wait_until_serving(api_url, "the-key", interval=0.5, sleep=sleeps.append)
    # THEN it sent the one-item list with the key until the 200, waiting between tries
    assert _Propagating.seen == [("the-key", ready.PROBE)] * 4
    assert sleeps == [0.5] * 3


def test_wait_until_serving__gives_up_naming_the_last_answer(api_url):
    _Propagating.answers, _Propagating.seen = [403], []
    with pytest.raises(RuntimeError, match=r"still answered 403 \(\{\"message\": \"Forbidden\"\}\)"):
        ready.wait_until_serving(api_url, "k", timeout=0.0, sleep=lambda _s: None)


def test_probe__no_answer_at_all_is_status_0():
    status, why = ready.post("http://127.0.0.1:9/dev/DynamoDBManager", "k")
    assert status == 0 and "refused" in why.lower()


def test_up_on_aws__ends_when_the_api_answers_and_says_so(moto_aws, tmp_path, monkeypatch):
    # GIVEN AWS (moto) whose API answers the probe only on its third try
    answers, probed = [403, 500, 200], []

    def post(url: str, key: str, sign=None) -> tuple[int, str]:
        probed.append((url, key))
        return answers.pop(0), "{}"

    monkeypatch.setattr(ready, "post", post)
    monkeypatch.setattr(ready, "INTERVAL_S", 0.0)
    # WHEN up runs
    progress = Progress(io.StringIO())
    outputs = lifecycle.up(Settings(target=AWS, stack_name="ready", state_dir=tmp_path), progress)
    # THEN it probed the stack's own URL with its key until the 200, and its last line says so
    assert probed == [(outputs["api_url"], outputs["api_key"])] * 3
    last = progress.stream.getvalue().splitlines()[-1].split()
    assert (last[0], last[-2]) == ("ready", "answered")


class _NoCalls(Api):
    def post(self, *_args, **_kwargs):
        raise AssertionError("an emulator's API must not be probed")


def test_api_after_up__costs_nothing_on_emulators(monkeypatch):
    monkeypatch.setattr("tests.support.polling.Api", _NoCalls)
    api = api_after_up({"target": "embedded", "api_url": "http://127.0.0.1:9/x", "api_key": "k"})
    assert isinstance(api, _NoCalls)
