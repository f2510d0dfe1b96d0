"""Deadline-based waiting: ``poll`` instead of sleeps, and the wait for a new stack's API on AWS."""

import time
from collections.abc import Callable
from typing import Any, TypeVar

from benchmarks.load import Api

T = TypeVar("T")


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


def wait_for_key(api: Api, timeout: float = 120.0, interval: float = 2.0) -> None:
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


def api_after_up(outputs: dict[str, Any]) -> Api:
    """The API of a stack a test has just brought up, once it serves: on AWS, waited for as above; on an emulator,
    at once and without a request."""
    api = Api.of(outputs)
    if outputs["target"] == "aws":
        wait_for_key(api)
    return api
