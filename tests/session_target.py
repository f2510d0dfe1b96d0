"""Which stack the end-to-end session runs against, decided once from the settings and the machine.

- ``HARNESS_EMULATOR=compose-localstack`` / ``compose-ministack``: ``docker compose up`` of this project
  (LocalStack from the project's image, or the MiniStack profile), taken down with ``down -v`` after.
- ``HARNESS_EMULATOR=localstack-docker``: the project's LocalStack image started by testcontainers.
  Every Docker target needs a Docker engine; without one the end-to-end tests are skipped, saying why, or fail
  where ``HARNESS_REQUIRE_DOCKER=1`` (CI's ``docker`` job: a run where every test skipped is no pass there).
- ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT``: whatever already answers there (for example Compose LocalStack).
- ``HARNESS_TARGET=aws``: the real account (``tox -e aws`` only).
- otherwise: the embedded emulator, started by the session if no stack is up.
"""

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bootstrap.settings import EMBEDDED, Settings
from local_runtime.docker_targets import docker_engine_available

LOCALSTACK_DOCKER = "localstack-docker"
COMPOSE_EMULATORS = {"compose-localstack": "localstack", "compose-ministack": "ministack"}


@dataclass(frozen=True)
class SessionPlan:
    kind: str  # "stack" (bootstrap on settings.target) | "testcontainers" | "compose" | "skip" | "fail"
    reason: str = ""
    emulator: str = ""  # compose: which emulator's services to start


def plan_session(
    settings: Settings,
    engine_available: Callable[[], bool] = docker_engine_available,
    environ: Mapping[str, str] = os.environ,
) -> SessionPlan:
    if settings.target != EMBEDDED or settings.emulator not in (LOCALSTACK_DOCKER, *COMPOSE_EMULATORS):
        return SessionPlan("stack")
    if not engine_available():
        reason = f"HARNESS_EMULATOR={settings.emulator} needs a running Docker engine; none answers"
        if environ.get("HARNESS_REQUIRE_DOCKER") == "1":
            return SessionPlan("fail", f"{reason} (HARNESS_REQUIRE_DOCKER=1: a Docker target must run)")
        return SessionPlan("skip", reason)
    if settings.emulator == LOCALSTACK_DOCKER:
        return SessionPlan("testcontainers")
    return SessionPlan("compose", emulator=COMPOSE_EMULATORS[settings.emulator])
