"""The image's HEALTHCHECK: LocalStack's gateway answers, its start-up stages have run, and the services
the stack needs are not in an error state. Exit 0 when healthy, 1 (with the reason) when not.

LocalStack logs every request to ``/_localstack/init/ready`` (not to ``/_localstack/health``), so that
stage is asked about only until it has completed once: a marker file remembers it, named after the start
time of the container's PID 1 so that a restarted container asks again.
"""

import json
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

NEEDED = ("dynamodb", "lambda", "apigateway")


def _ready_marker() -> Path:
    try:
        started = Path("/proc/1/stat").read_text().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        started = "unknown"
    return Path(tempfile.gettempdir()) / f"harness-localstack-ready-{started}"


def _get(path: str) -> dict:
    port = os.environ.get("GATEWAY_LISTEN", "0.0.0.0:4566").split(",")[0].rpartition(":")[2] or "4566"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:  # noqa: S310
        return json.load(response)


def main() -> int:
    try:
        services = _get("/_localstack/health").get("services", {})
        ready = _ready_marker().exists() or _get("/_localstack/init/ready").get("completed") is True
    except (OSError, ValueError) as error:
        print(f"unhealthy: {error}")
        return 1
    bad = {name: services.get(name) for name in NEEDED if services.get(name) in (None, "error")}
    if bad or not ready:
        print(f"unhealthy: services {bad or 'ok'}, start-up complete: {ready}")
        return 1
    _ready_marker().touch()
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
