"""API Gateway's per-account control-plane quotas on AWS, honoured instead of retried blindly.

A few calls are allowed once every few seconds per account (DeleteRestApi once per 30 s, UpdateUsagePlan
once per 20 s, CreateDeployment once per 5 s), so concurrent CI runs in one account hit them often, and the
adaptive retry mode's budget (8 attempts, ~35 s) runs out. For those calls a ``needs-retry`` handler, run
before botocore's own, waits what API Gateway says (``Retry-After``) or the documented interval, a bounded
number of times. Only clients for real AWS get it: emulators do not throttle, and must not be slowed.
"""

import time
from typing import Any

from bootstrap.client_types import APIGatewayClient

# Operation -> the documented interval between two calls, per account.
INTERVALS_S = {"DeleteRestApi": 30.0, "UpdateUsagePlan": 20.0, "CreateDeployment": 5.0}
MAX_WAITS = 6  # DeleteRestApi: at most 3 minutes
MAX_WAIT_S = 60.0  # a Retry-After beyond this is capped
LIMIT_EXCEEDED_ATTEMPTS = 2  # LimitExceededException: one retry, then it surfaces


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def _retry_after(http: Any) -> float | None:
    try:
        return float(http.headers.get("Retry-After", ""))
    except (AttributeError, ValueError):  # absent, or an HTTP date: use the documented interval
        return None


def needs_retry(response: Any, operation: Any, attempts: int, **_kwargs: Any) -> float | bool | None:
    """botocore's ``needs-retry`` contract: None lets the next handler decide, False stops, a number retries
    after sleeping that long (this handler has slept already, so it answers 0)."""
    if response is None:  # no HTTP answer: botocore's own retries handle it
        return None
    http, parsed = response
    if parsed.get("Error", {}).get("Code") != "TooManyRequestsException":
        return None
    if attempts > MAX_WAITS:
        return False  # the caller gets the TooManyRequestsException
    sleep(min(_retry_after(http) or INTERVALS_S[operation.name], MAX_WAIT_S))
    return 0


def limit_exceeded(response: Any, attempts: int, **_kwargs: Any) -> bool | None:
    """API Gateway answers ``LimitExceededException`` for a burst of calls and for an account quota alike (API keys,
    usage plans per region), and botocore retries it as throttling, eight times (~35 s) before a quota surfaces.
    Retried once (a burst has passed by then); after that the error, whose message names the limit, is raised."""
    if response is None or response[1].get("Error", {}).get("Code") != "LimitExceededException":
        return None
    return None if attempts < LIMIT_EXCEEDED_ATTEMPTS else False


def register(apigw: APIGatewayClient) -> None:
    """Give an API Gateway client for real AWS the quota-aware retries."""
    apigw.meta.events.register_first("needs-retry.api-gateway", limit_exceeded)  # type: ignore[arg-type]
    for operation in INTERVALS_S:
        # botocore-stubs types every handler as returning None; a needs-retry handler answers a delay.
        apigw.meta.events.register_first(f"needs-retry.api-gateway.{operation}", needs_retry)  # type: ignore[arg-type]
