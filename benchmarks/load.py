"""The load generator behind the benchmarks and the tests' bursts: one HTTP client for the stack's API, and a burst
of concurrent creates that checks afterwards that every acknowledged write can be read back."""

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests

from bootstrap.ready import Signer, target_signer
from bootstrap.settings import AWS, IAM


class Api:
    """All end-to-end HTTP goes through here: POST DynamoDBManager with the stack's key (and, for a stack up with
    ``--authorization iam``, SigV4-signed by ``sign``: ``bootstrap.ready.sigv4_signer``)."""

    def __init__(self, url: str, key: str, timeout: float = 30.0, sign: Signer | None = None) -> None:
        self.url, self.key, self.timeout, self.sign = url, key, timeout, sign
        self.session = requests.Session()

    @classmethod
    def of(cls, outputs: dict[str, Any]) -> "Api":
        """The API of a stack, from its outputs; signed when its method is AWS_IAM (the emulators' credentials, or
        this machine's for a real account)."""
        if outputs.get("authorization") != IAM:
            return cls(outputs["api_url"], outputs["api_key"])
        sign = target_signer(outputs["target"] == AWS, outputs["region"])
        return cls(outputs["api_url"], outputs["api_key"], sign=sign)

    def post(
        self, body: Any = None, *, raw: str | bytes | None = None, key: str | None = "default", **headers: str | None
    ) -> requests.Response:
        """POST a JSON body (or ``raw`` bytes). ``key=None`` sends no x-api-key; by default the stack's key. A header
        given as None is not sent (``**{"Content-Type": None}``)."""
        return self.send("POST", self.url, raw if raw is not None else json.dumps(body), key, **headers)

    def send(
        self, method: str, url: str, data: str | bytes | None, key: str | None = "default", **headers: str | None
    ) -> requests.Response:
        """Any method to any URL, with the stack's key unless ``key`` says otherwise (None: no x-api-key)."""
        sent = {"Content-Type": "application/json", **headers}
        if key is not None:
            sent["x-api-key"] = self.key if key == "default" else key
        if self.sign is not None:
            encoded = data.encode() if isinstance(data, str) else (data or b"")
            sent = self.sign(url, encoded, {name: value for name, value in sent.items() if value is not None})
        return self._with_connection_retry(
            lambda: self.session.request(method, url, data=data, headers=sent, timeout=self.timeout)
        )

    def call(self, body: Any, expect: int = 200) -> Any:
        """POST and return the decoded JSON answer, asserting the status code first."""
        response = self.post(body)
        assert response.status_code == expect, f"{response.status_code}: {response.text}"
        return response.json()

    @staticmethod
    def _with_connection_retry(send: Callable[[], requests.Response], attempts: int = 3) -> requests.Response:
        for attempt in range(attempts):
            try:
                return send()
            except requests.ConnectionError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")


@dataclass
class BurstResult:
    """What a burst of concurrent creates did: statuses, latencies, and which 2xx writes cannot be read."""

    statuses: list[int]
    latencies_s: list[float]
    seconds: float
    lost: list[str]

    @property
    def per_second(self) -> float:
        return len(self.statuses) / self.seconds

    @property
    def server_errors(self) -> int:
        return sum(1 for status in self.statuses if status >= 500)


def burst_creates(api: Api, count: int, clients: int, prefix: str) -> BurstResult:
    """``count`` creates from ``clients`` threads (one connection each); then every 2xx must read back."""
    local = threading.local()

    def create(index: int) -> tuple[int, float]:
        if not hasattr(local, "api"):
            local.api = Api(api.url, api.key, api.timeout, api.sign)
        started = time.perf_counter()
        response = local.api.post({"operation": "create", "payload": {"Item": {"id": f"{prefix}-{index}", "n": index}}})
        return response.status_code, time.perf_counter() - started

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(create, range(count)))
    seconds = time.perf_counter() - started
    written = [f"{prefix}-{index}" for index, (status, _) in enumerate(results) if 200 <= status < 300]
    return BurstResult(
        [status for status, _ in results], [latency for _, latency in results], seconds, lost_writes(api, written)
    )


def lost_writes(api: Api, written: list[str]) -> list[str]:
    """The ids among ``written`` (created with a 2xx) that a strongly consistent read does not find."""

    def found(item_id: str) -> bool:
        read = {"operation": "read", "payload": {"Key": {"id": item_id}, "ConsistentRead": True}}
        return api.post(read).status_code == 200

    return [item_id for item_id in written if not found(item_id)]
