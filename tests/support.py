"""What every test shares: the request fixtures, one HTTP helper, and deadline-based polling."""

import contextlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.load import Api

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
REQUEST_NAMES = sorted(path.stem for path in (FIXTURES / "requests").glob("*.json"))
T = TypeVar("T")
# The suite's own `up`s start no execution environments ahead (16 cold starts each, seconds of CPU): the tests
# exercise cold starts as they come. Prewarming itself is tested in tests/e2e/test_prewarm.py.
NOT_PREWARMED = {"HARNESS_PREWARM": "0"}


def worker_id(config: Any) -> str | None:
    """The pytest-xdist worker this process is (gw0, gw1, ...), or None when not a worker."""
    return getattr(config, "workerinput", {}).get("workerid")


def run_bootstrap(*args: str, env: dict[str, str], timeout: float) -> "subprocess.CompletedProcess[str]":
    """The real command line (``python -m harness_cli ...``) in a process of its own, its output captured."""
    return subprocess.run(  # noqa: S603 - this interpreter, the project's own module
        [sys.executable, "-m", "harness_cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass(frozen=True)
class CliResult:
    """What ``run_cli_in_process`` saw: the fields of ``subprocess.CompletedProcess`` the tests read."""

    returncode: int
    stdout: str
    stderr: str


def run_cli_in_process(*args: str, env: dict[str, str]) -> CliResult:
    """The command line's ``main`` (what ``python -m harness_cli ...`` runs) in this process, under exactly ``env``
    (the process's environment is restored after). For unit tests of its failures: a new interpreter importing
    boto3 costs 0.6-1 s of CPU each, and the e2e tests run the real process."""
    from harness_cli.__main__ import main

    saved, out, err = dict(os.environ), io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exited:  # argparse's usage errors
                code = exited.code if isinstance(exited.code, int) else int(exited.code is not None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return CliResult(code, out.getvalue(), err.getvalue())


def cli_env(settings: Any) -> dict[str, str]:
    """The environment under which the real command line finds the stack these settings describe."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("HARNESS_", "AWS_ENDPOINT"))}
    env.update(
        HARNESS_TARGET=settings.target,
        HARNESS_STACK=settings.stack_name,
        HARNESS_STATE_DIR=str(settings.state_dir),
        HARNESS_EMULATOR=settings.emulator,
        **NOT_PREWARMED,
        AWS_REGION=settings.region,
    )
    optional = {
        "AWS_ENDPOINT_URL": settings.endpoint_url,
        "HARNESS_ENDPOINT_KIND": settings.endpoint_kind if settings.target == "endpoint" else None,
        "HARNESS_PUBLIC_ENDPOINT": settings.public_endpoint_url,
        "HARNESS_HANDLER_DIR": settings.handler_dir,
    }
    env.update({name: str(value) for name, value in optional.items() if value})
    return env


class CliProcess:
    """A long-running command (``watch``, ``logs --follow``) in a process of its own, its output lines collected.

    Use as a context manager: the process is always stopped (SIGTERM, then SIGKILL), by its PID.
    """

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, the project's own module
            [sys.executable, "-m", "harness_cli", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, accept: Callable[[str], bool], timeout: float) -> str:
        """The first output line ``accept`` holds for, waiting for it until ``timeout``."""
        found = poll(
            lambda: next((line for line in self.lines if accept(line)), None), lambda x: x is not None, timeout, 0.05
        )
        assert found is not None
        return found

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, as a service manager would; SIGKILL if it has not exited within ``timeout``. Its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return self.process.returncode

    def __enter__(self) -> "CliProcess":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def handler_copy(folder: Path) -> Path:
    """A copy of ``handler/`` (its sources only) in ``folder``, to deploy and edit without touching the project's."""
    copy = folder / "handler"
    copy.mkdir(parents=True)
    for source in (ROOT / "handler").glob("*.py"):
        (copy / source.name).write_bytes(source.read_bytes())
    return copy


def run_cli(settings: Any, *args: str, timeout: float = 240) -> "subprocess.CompletedProcess[str]":
    """``python -m harness_cli`` on a stack's target (``Settings``), with the stack's name and state folder."""
    if settings.target == "aws":  # the caller's own credentials and confirmation
        env, args = {**os.environ, **cli_env(settings)}, (*args, "--yes")
    else:
        env = cli_env(settings)
    return run_bootstrap(*args, env=env, timeout=timeout)


def load_request(name: str, **overrides: Any) -> dict[str, Any]:
    """One of the documents' requests from ``fixtures/requests/<name>.json``, with top-level overrides."""
    document = json.loads((FIXTURES / "requests" / f"{name}.json").read_text())
    document.update(overrides)
    return document


def bad_request_cases() -> list[Any]:
    """``fixtures/bad_requests.json`` as pytest params named by case."""
    import pytest

    cases = json.loads((FIXTURES / "bad_requests.json").read_text())
    return [pytest.param(case, id=case["name"]) for case in cases]


def mark_gap(request: Any, backend: str, gaps: dict[str, str]) -> None:
    """Where ``backend`` is known to differ from AWS, expect this test to fail (strictly), naming the gap.

    The test keeps asserting AWS's behaviour: AWS is right, the gap is the emulator's.
    """
    import pytest

    if backend in gaps:
        request.applymarker(pytest.mark.xfail(strict=True, reason=f"{backend} gap: {gaps[backend]}"))


def poll(fetch: Callable[[], T], accept: Callable[[T], bool], timeout: float, interval: float = 0.2) -> T:
    """Call ``fetch`` until ``accept`` holds for its result; raise ``TimeoutError`` (with the last result)."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if accept(result):
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"condition not met within {timeout} s; last result: {result!r}")
        time.sleep(interval)


def wait_for_key(api: "Api", timeout: float = 120.0, interval: float = 2.0) -> None:
    """On AWS a new stack answers 403 (key, usage plan) or 500 (invoke permission, inline policy) for a while;
    wait, bounded, until the probe ``up`` itself waits for (a one-item list) gets 200."""
    from bootstrap.ready import PROBE

    try:
        poll(
            lambda: api.post(PROBE).status_code, accept=lambda status: status == 200, timeout=timeout, interval=interval
        )
    except TimeoutError as error:
        raise TimeoutError(
            f"the API did not answer 200 within {timeout} s (IAM or usage plan propagation?): {error}"
        ) from error


def api_after_up(outputs: dict[str, Any]) -> "Api":
    """The API of a stack a test has just brought up, once it serves: on AWS, waited for as above; on an emulator,
    at once and without a request."""
    api = Api(outputs["api_url"], outputs["api_key"])
    if outputs["target"] == "aws":
        wait_for_key(api)
    return api


class _RawBody(io.BytesIO):
    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self.getvalue()


def script_http(client: Any, operation: str, answers: list[tuple[int, dict[str, str], bytes]]) -> list[int]:
    """Make ``client`` receive these HTTP answers for ``operation``, in order, instead of sending anything.

    Unlike botocore's Stubber this sits below the retry logic, so the client's own retries are exercised.
    Returns the list of statuses actually served, which grows as the client consumes them.
    """
    from botocore.awsrequest import AWSResponse

    queue, served = list(answers), []

    def answer(request: Any, **_kwargs: Any) -> AWSResponse:
        status, headers, body = queue.pop(0)
        served.append(status)
        return AWSResponse(request.url, status, headers, _RawBody(body))

    service = client.meta.service_model.service_id.hyphenize()
    client.meta.events.register(f"before-send.{service}.{operation}", answer)
    return served
