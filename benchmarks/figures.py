"""What ``./harness bench`` measured on one target: the figures it prints as it goes, kept for the side-by-side
table at the end (``benchmarks/side_by_side.py``)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Burst:
    """A burst of creates from concurrent clients: its throughput, its 5xx answers, its 2xx writes not read back."""

    per_second: float
    server_errors: int
    lost_writes: int


@dataclass(frozen=True)
class Measured:
    """The figures of a stack that is up: p50s one request at a time, two bursts, one cold start."""

    ping_p50_ms: float
    read_p50_ms: float
    direct_p50_ms: float  # a direct GetItem (boto3), the read's yardstick
    first_burst: Burst  # right after up
    warm_burst: Burst
    cold_start_s: float

    @property
    def read_over_direct(self) -> float:
        return self.read_p50_ms / self.direct_p50_ms


@dataclass(frozen=True)
class TargetRun:
    """One target, one round: how long it took to come up and what was measured on it, or why nothing was."""

    target: str
    up_s: float | None = None  # up from nothing; on a compose target, docker compose up until the stack is deployed
    up_again_s: float | None = None  # up with nothing to change: embedded targets only
    measured: Measured | None = None
    not_measured: str = ""  # "skipped: <why>" or "failed: <why>"
