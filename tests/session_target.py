"""Which stack the end-to-end session runs against, decided once from the settings and the machine.

- ``HARNESS_EMULATOR=localstack-docker``: LocalStack in a container started by testcontainers (needs a
  Docker engine; without one the end-to-end tests are skipped, saying why).
- ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT``: whatever already answers there (for example Compose LocalStack).
- ``HARNESS_TARGET=aws``: the real account (``tox -e aws`` only).
- otherwise: the embedded emulator, started by the session if no stack is up.
"""

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from bootstrap.settings import EMBEDDED, ENDPOINT, Settings

LOCALSTACK_DOCKER = "localstack-docker"
LOCALSTACK_IMAGE = os.environ.get("LOCALSTACK_IMAGE", "localstack/localstack:4.14.0")


@dataclass(frozen=True)
class SessionPlan:
    kind: str  # "stack" (bootstrap on settings.target) | "testcontainers" | "skip"
    reason: str = ""


def docker_engine_available() -> bool:
    """True when a Docker engine answers (a client alone is not enough)."""
    try:
        import docker

        client = docker.from_env(timeout=3)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure to reach an engine means "no engine"
        return False


def plan_session(settings: Settings, engine_available: Callable[[], bool] = docker_engine_available) -> SessionPlan:
    if settings.target == EMBEDDED and settings.emulator == LOCALSTACK_DOCKER:
        if not engine_available():
            return SessionPlan("skip", "HARNESS_EMULATOR=localstack-docker needs a running Docker engine; none answers")
        return SessionPlan("testcontainers")
    return SessionPlan("stack")


@contextmanager
def localstack_container(settings: Settings) -> Iterator[Settings]:
    """LocalStack through testcontainers; yields settings pointing the bootstrap at it."""
    from testcontainers.localstack import LocalStackContainer

    container = LocalStackContainer(image=LOCALSTACK_IMAGE, region_name=settings.region)
    container.with_services("iam", "sts", "dynamodb", "lambda", "apigateway", "logs")
    container.with_env("LOCALSTACK_AUTH_TOKEN", os.environ.get("LOCALSTACK_AUTH_TOKEN", ""))
    container.with_volume_mapping("/var/run/docker.sock", "/var/run/docker.sock", "rw")
    with container:
        yield replace(settings, target=ENDPOINT, endpoint_url=container.get_url(), endpoint_kind="localstack")
