"""What each target of the end-to-end session can do, declared once.

A test names what it needs with ``@pytest.mark.needs("faults", ...)``; ``tests/e2e/conftest.py`` skips it where the
session's target lacks one of them, with the reason made here from this declaration. The target is the one
``tests/session_target.py`` plans from the settings; a session that reuses a stack that is up is on the same target.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bootstrap.settings import AWS, EMBEDDED, EMULATORS, ENDPOINT, Settings
from tests.session_target import COMPOSE_EMULATORS, LOCALSTACK_DOCKER

CAPABILITIES = {
    "emulator": "an emulator serves the stack, not real AWS",
    "embedded_emulator": "the emulator is this checkout's own, on this machine: tests may read its state folder and "
    "start, stop or kill emulators beside it",
    "emulator_log": "the session can read the emulator's log",
    "faults": "a fault proxy can reach the function's DynamoDB calls (up --faults, --consistency-window-ms)",
    "debugger": "the function runs on this machine under an emulator the harness starts, where up --debug attaches",
    "fork_server": "the emulator runs on this machine and forks the functions' processes from its fork server",
    "iam_enforced": "every call, the function role's included, is checked against IAM policies",
}


@dataclass(frozen=True)
class Target:
    """One target the session can run on: its name, what it is (for the skip reasons), and what it can do."""

    name: str
    description: str
    capabilities: frozenset[str]

    def skip_reason(self, needed: Iterable[str]) -> str | None:
        """Why a test that needs ``needed`` cannot run on this target; None if it can."""
        missing = [name for name in needed if name not in self.capabilities]
        if not missing:
            return None
        wanted = " and ".join(f"{name}: {CAPABILITIES[name]}" for name in missing)
        return f"needs {wanted}; the session targets {self.description}"


def _target(name: str, description: str, *capabilities: str) -> Target:
    unknown = set(capabilities) - CAPABILITIES.keys()
    assert not unknown, f"{name}: undeclared capabilities {sorted(unknown)}"
    return Target(name, description, frozenset(capabilities))


_EMBEDDED = ("emulator", "embedded_emulator", "emulator_log", "faults", "debugger", "iam_enforced")
# The project's Docker images run a fault proxy beside the emulator (port 4600); the session reads the container's log.
_DOCKER = ("emulator", "emulator_log", "faults", "iam_enforced")

TARGETS = {
    target.name: target
    for target in (
        _target("ministack", "MiniStack embedded on this machine", *_EMBEDDED, "fork_server"),
        _target("localstack", "LocalStack embedded on this machine", *_EMBEDDED, "fork_server"),
        _target("compose-ministack", "MiniStack in Docker Compose", *_DOCKER),
        _target("compose-localstack", "LocalStack in Docker Compose (the project's image)", *_DOCKER),
        _target("localstack-docker", "LocalStack started by testcontainers (the project's image)", *_DOCKER),
        _target(
            "endpoint",
            "an endpoint it did not start (AWS_ENDPOINT_URL), with no fault proxy set (HARNESS_FAULT_PROXY_URL)",
            "emulator",
            "iam_enforced",
        ),
        _target(
            "endpoint-with-fault-proxy",
            "an endpoint it did not start (AWS_ENDPOINT_URL), with a fault proxy beside it (HARNESS_FAULT_PROXY_URL)",
            "emulator",
            "faults",
            "iam_enforced",
        ),
        _target("aws", "real AWS", "iam_enforced"),
    )
}


def _name(settings: Settings) -> str:
    if settings.target == AWS:
        return "aws"
    if settings.target == ENDPOINT:
        return "endpoint-with-fault-proxy" if settings.fault_proxy_url else "endpoint"
    if settings.target == EMBEDDED and settings.emulator in (*EMULATORS, LOCALSTACK_DOCKER, *COMPOSE_EMULATORS):
        return settings.emulator
    raise ValueError(f"no capabilities declared for target {settings.target!r} with emulator {settings.emulator!r}")


def target_of(settings: Settings) -> Target:
    """The session's target, as the settings select it. HARNESS_ENFORCE_IAM=0 takes IAM enforcement from an emulator."""
    target = TARGETS[_name(settings)]
    if settings.enforce_iam or target.name == "aws":
        return target
    return replace(
        target,
        description=f"{target.description}, with HARNESS_ENFORCE_IAM=0",
        capabilities=target.capabilities - {"iam_enforced"},
    )
