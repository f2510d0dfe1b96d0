"""The Docker targets of the end-to-end session: Docker Compose (LocalStack or MiniStack) and testcontainers.

Each starts from the images this project builds (``docker-compose.yml``, ``docker/``), on loopback ports
that are free, and removes everything it started: a session that finds something of its own left
behind fails. Problems a user can fix (no engine, a port taken, a base image that cannot be had) end in
one sentence saying what to do.
"""

import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bootstrap.settings import ENDPOINT, Settings
from local_runtime.localstack.versions import SERVICES
from local_runtime.processes import answers_health, pick_port, poll_until

ROOT = Path(__file__).resolve().parent.parent
LOCALSTACK_IMAGE = "dynamodb-manager-harness/localstack:2026.3.0"
BASE_IMAGE = "python:3.13-slim"
# Containers the test session starts carry this label, with the pid of the session that owns them.
OWNER_LABEL = "dynamodb-manager-harness.test-session"
BOOTSTRAP_TIMEOUT_S = 300.0
PORT_ATTEMPTS = 3


class DockerTargetError(RuntimeError):
    """The Docker target cannot be used; the message says what to do."""


@dataclass(frozen=True)
class DockerTarget:
    settings: Settings  # pointing the bootstrap and the tests at the container
    read_log: Callable[[], str]  # the emulator container's log so far


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


def _docker(*args: str, timeout: float = 600, env: dict[str, str] | None = None) -> str:
    docker = shutil.which("docker")
    if docker is None:
        raise DockerTargetError("the docker command is not installed (Docker Engine with the Compose v2 plugin)")
    result = subprocess.run(  # noqa: S603 - the docker CLI with arguments we build
        [docker, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()[-1500:]
        raise DockerTargetError(f"docker {' '.join(args[:3])} failed: {output}{_what_to_do(output)}")
    return result.stdout


# Docker's own words for situations a user can fix, and what to do about each.
_ADVICE = (
    (("Cannot connect to the Docker daemon", "Is the docker daemon running"), "start the Docker engine"),
    (("port is already allocated", "address already in use"), "free the port, or set HARNESS_DOCKER_PORT"),
    (
        ("Temporary failure in name resolution", "Could not resolve host", "Failed to establish a new connection"),
        "the first build needs PyPI, the npm registry and Debian's archive; check the network or a proxy",
    ),
    (
        ("pull access denied", "failed to resolve source metadata", "manifest unknown", "registry-1.docker.io"),
        f"{BASE_IMAGE} (the base of every image here) is missing: docker pull {BASE_IMAGE}",
    ),
)


def _what_to_do(output: str) -> str:
    advice = [what for needles, what in _ADVICE if any(needle in output for needle in needles)]
    return f"\nWhat to do: {'; '.join(advice)}." if advice else ""


def check_base_image() -> None:
    """The images build FROM python:3.13-slim; without it and without a registry, say how to get it."""
    try:
        _docker("image", "inspect", BASE_IMAGE, timeout=30)
    except DockerTargetError:
        try:
            _docker("pull", BASE_IMAGE, timeout=300)
        except DockerTargetError as error:
            raise DockerTargetError(
                f"the base image {BASE_IMAGE} is not here and cannot be pulled (offline?): run "
                f"'docker pull {BASE_IMAGE}' where a registry answers, or ../shared/tools/docker-offline "
                "on the project's build machines"
            ) from error


def _compose_env(project: str, state_dir: Path, port: int, proxy_port: int, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HARNESS_"))}
    env.update(
        extra,
        COMPOSE_PROJECT_NAME=project,
        HARNESS_DOCKER_PORT=str(port),
        HARNESS_DOCKER_PROXY_PORT=str(proxy_port),
        HARNESS_DOCKER_STATE_DIR=str(state_dir),
    )
    return env


def _up_on_free_ports(project: str, state_dir: Path, extra: dict[str, str], up: list[str]) -> dict[str, str]:
    """``docker compose up`` on free loopback ports (away from the embedded emulators' 4566+ and the
    proxies' 4600+); a port taken between the pick and the bind is picked again, a few times at most."""
    for attempt in range(PORT_ATTEMPTS):
        env = _compose_env(project, state_dir, pick_port(5566 + 10 * attempt), pick_port(5600 + 10 * attempt), extra)
        try:
            _docker("compose", *up, env=env, timeout=900)
            return env
        except DockerTargetError as error:
            if "address already in use" not in str(error) and "port is already allocated" not in str(error):
                raise
            if attempt == PORT_ATTEMPTS - 1:
                raise
            _docker("compose", "down", "--volumes", "--remove-orphans", env=env, timeout=300)
    raise AssertionError("unreachable")


def _bootstrap_exit_code(env: dict[str, str], service: str) -> int | None:
    ids = _docker("compose", "ps", "--all", "--quiet", service, env=env, timeout=60).split()
    if not ids:
        return None
    state = json.loads(_docker("inspect", "--format", "{{json .State}}", ids[0], timeout=30))
    return None if state["Status"] in ("created", "running") else int(state["ExitCode"])


def _leftovers(project: str) -> list[str]:
    label = f"label=com.docker.compose.project={project}"
    return [
        f"{kind} {name}"
        for kind, command in (
            ("container", ["ps", "--all", "--filter", label, "--format", "{{.Names}}"]),
            ("network", ["network", "ls", "--filter", label, "--format", "{{.Name}}"]),
            ("volume", ["volume", "ls", "--filter", label, "--format", "{{.Name}}"]),
        )
        for name in _docker(*command, timeout=60).split()
    ]


@contextmanager
def compose_stack(
    settings: Settings, state_dir: Path, emulator: str, extra_env: dict[str, str] | None = None
) -> Iterator[DockerTarget]:
    """``docker compose up -d`` (``emulator``: localstack, or ministack for the profile), then ``down -v``.

    Yields the target of the stack the Compose bootstrap deployed; its outputs are in ``state_dir``.
    ``extra_env`` reaches Compose (and the bootstrap's settings: HARNESS_PLAN_RATE_LIMIT and the like).
    """
    check_base_image()
    project = f"harness-e2e-{uuid.uuid4().hex[:8]}"
    services = ["localstack", "bootstrap"] if emulator == "localstack" else ["ministack", "bootstrap-ministack"]
    profile = ["--profile", "ministack"] if emulator == "ministack" else []
    env = _compose_env(project, state_dir, 0, 0, extra_env or {})
    try:
        env = _up_on_free_ports(project, state_dir, extra_env or {}, [*profile, "up", "--detach", "--build", *services])
        outputs_path = state_dir / "outputs.json"
        if not poll_until(lambda: _bootstrap_exit_code(env, services[1]) is not None, BOOTSTRAP_TIMEOUT_S, 0.5):
            raise DockerTargetError(f"the Compose bootstrap did not finish within {BOOTSTRAP_TIMEOUT_S:.0f} s")
        if _bootstrap_exit_code(env, services[1]) != 0 or not outputs_path.exists():
            logs = _docker("compose", *profile, "logs", services[1], env=env, timeout=60)
            raise DockerTargetError(f"the Compose bootstrap failed:\n{logs[-3000:]}")
        owner = (ROOT.stat().st_uid, ROOT.stat().st_gid)
        foreign = [path.name for path in state_dir.rglob("*") if (path.stat().st_uid, path.stat().st_gid) != owner]
        if foreign:
            raise DockerTargetError(f"the Compose bootstrap wrote files the project's owner does not own: {foreign}")
        outputs = json.loads(outputs_path.read_text())
        stack_settings = replace(
            settings,
            target=ENDPOINT,
            endpoint_url=outputs["endpoint_url"],
            endpoint_kind=outputs["emulator"],
            fault_proxy_url=outputs["fault_proxy_url"],
            state_dir=state_dir,
        )
        yield DockerTarget(stack_settings, lambda: _docker("compose", *profile, "logs", services[0], env=env))
    finally:
        _docker("compose", *profile, "down", "--volumes", "--remove-orphans", "--timeout", "10", env=env, timeout=300)
        left = _leftovers(project)
        if left:
            raise DockerTargetError(f"docker compose down -v left these behind: {', '.join(left)}")


def build_localstack_image() -> None:
    """The project's LocalStack image (docker/localstack/Dockerfile), built or confirmed up to date."""
    check_base_image()
    _docker("build", "--quiet", "-f", "docker/localstack/Dockerfile", "-t", LOCALSTACK_IMAGE, ".", timeout=1800)


def _remove_orphaned_containers() -> None:
    """Containers of earlier sessions that died before removing them (Ryuk, which would, cannot run here)."""
    listed = _docker("ps", "--all", "--filter", f"label={OWNER_LABEL}", "--format", "{{.ID}} {{.Labels}}")
    for line in listed.splitlines():
        container_id, labels = line.split(" ", 1)
        owner = dict(item.split("=", 1) for item in labels.split(",") if "=" in item).get(OWNER_LABEL, "")
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            _docker("rm", "--force", "--volumes", container_id, timeout=60)


@contextmanager
def localstack_container(settings: Settings) -> Iterator[DockerTarget]:
    """LocalStack (the project's image) through testcontainers; yields the target pointing the bootstrap at it.

    Ryuk, testcontainers' reaper, is an image that cannot be pulled here, so it is disabled: the container
    is removed when the session ends, and one left by a killed session is removed by the next.
    """
    os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
    from testcontainers.community.localstack import LocalStackContainer

    build_localstack_image()
    _remove_orphaned_containers()
    container = LocalStackContainer(image=LOCALSTACK_IMAGE, region_name=settings.region)
    container.with_services(*SERVICES)
    container.with_kwargs(labels={OWNER_LABEL: str(os.getpid())})
    # Loopback only, on ports Docker picks (docker-py's (address, port) form; testcontainers has no API for it).
    container.ports.update({"4566": ("127.0.0.1", None), "4600": ("127.0.0.1", None)})
    with container:
        endpoint = f"http://127.0.0.1:{container.get_exposed_port(4566)}"
        proxy = f"http://127.0.0.1:{container.get_exposed_port(4600)}"
        if not poll_until(lambda: answers_health(f"{proxy}/_harness/health"), 30):
            raise DockerTargetError(f"the fault proxy in the LocalStack container did not answer at {proxy}")
        container_settings = replace(
            settings, target=ENDPOINT, endpoint_url=endpoint, endpoint_kind="localstack", fault_proxy_url=proxy
        )
        yield DockerTarget(container_settings, lambda: b"".join(container.get_logs()).decode(errors="replace"))
