"""Warm execution environments right after ``up`` on a local target, as provisioned concurrency does on AWS.

An emulator starts one execution environment (a process importing boto3 and Powertools, about 0.4 s of CPU)
per concurrent request it has no free environment for. Without warming, a test session's first burst pays
for all of them at once. ``warm`` sends ``count`` concurrent ``ping`` invocations (the documents' direct
form, which touches no table) so that many environments are started, then idle, ready for the API.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bootstrap.clients import Clients

_PING = json.dumps({"operation": "ping"}).encode()


@dataclass(frozen=True)
class Warmed:
    count: int
    failures: list[str]
    seconds: float


def warm(clients: Clients, function_name: str, count: int) -> Warmed:
    """``count`` concurrent invocations (one connection each, so they really are concurrent)."""
    lambda_client = clients("lambda", config=Config(max_pool_connections=max(count, 10), read_timeout=120))

    def invoke(_index: int) -> str | None:
        try:
            answer = lambda_client.invoke(FunctionName=function_name, Payload=_PING)
        except (ClientError, BotoCoreError) as error:
            return " ".join(str(error).split())
        return answer.get("FunctionError") and answer["Payload"].read().decode(errors="replace")[:200]

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        failures = [failure for failure in pool.map(invoke, range(count)) if failure]
    return Warmed(count, failures, time.perf_counter() - started)
