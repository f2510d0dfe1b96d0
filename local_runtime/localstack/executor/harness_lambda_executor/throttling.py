"""API Gateway's request limits, as AWS applies them: token buckets and usage-plan quotas. Pure, no LocalStack.

A throttle is a token bucket: it holds up to ``burstLimit`` tokens, refills at ``rateLimit`` per second
and starts full; a request takes one token or is throttled (429 "Too Many Requests"). A quota allows
``limit`` requests per calendar period in UTC (DAY; WEEK from Monday; MONTH), after which requests get
429 "Limit Exceeded" until the period ends. Not modelled: the quota's ``offset``, and AWS's
account-level throttle.
"""

import threading
import time
from collections.abc import Callable, Hashable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

THROTTLED = "Too Many Requests"
QUOTA_EXCEEDED = "Limit Exceeded"


def period_start(period: str, now: float) -> datetime:
    """The start (UTC) of the quota period holding ``now`` (seconds since the epoch)."""
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "WEEK":
        return day - timedelta(days=day.weekday())
    if period == "MONTH":
        return day.replace(day=1)
    return day


class _Bucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.updated = float(burst), now

    def take(self, now: float) -> bool:
        self.tokens = min(float(self.burst), self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Limiter:
    """Every bucket and quota counter of one emulator, by a key the caller chooses (stage, plan and API key)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[Hashable, _Bucket] = {}
        self._used: dict[Hashable, tuple[datetime, int]] = {}

    def take_token(self, key: Hashable, throttle: Mapping[str, Any] | None) -> bool:
        """False when ``throttle`` (``rateLimit``, ``burstLimit``) has no token left for ``key``."""
        if not throttle or throttle.get("rateLimit") is None or throttle.get("burstLimit") is None:
            return True
        rate, burst = float(throttle["rateLimit"]), int(throttle["burstLimit"])
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None or (bucket.rate, bucket.burst) != (rate, burst):
                bucket = self._buckets[key] = _Bucket(rate, burst, now)
            return bucket.take(now)

    def take_quota(self, key: Hashable, quota: Mapping[str, Any] | None) -> bool:
        """Count one request of ``key`` under ``quota`` (``limit``, ``period``); False once it is used up."""
        if not quota or quota.get("limit") is None:
            return True
        start = period_start(quota.get("period", "DAY"), self._clock())
        with self._lock:
            counted_from, used = self._used.get(key, (start, 0))
            used = used if counted_from == start else 0
            if used >= int(quota["limit"]):
                return False
            self._used[key] = (start, used + 1)
            return True
