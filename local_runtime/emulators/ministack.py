"""MiniStack: a pure-Python AWS emulator that runs Lambda functions as local processes (no Docker)."""

import sys
from pathlib import Path

HEALTH_PATH = "/_ministack/health"
DEFAULT_PORT = 4566


def prepare(_state_dir: Path) -> None:
    """Nothing to do: MiniStack is a dependency of the project."""


def command(_state_dir: Path) -> list[str]:
    # The function workers run on this same interpreter, so they see boto3 and the bundled packages.
    return [sys.executable, "-m", "local_runtime.emulators.ministack_tuned"]


def environment(port: int, region: str, state_dir: Path, enforce_iam: bool) -> dict[str, str]:
    """MiniStack's settings: loopback only, our region, IAM enforced, its scratch files under ``.stack/``."""
    scratch = state_dir / "ministack-tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    return {
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "TMPDIR": str(scratch),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # Evaluate IAM policies on every call (the function's role included), as AWS does.
        "AUTH": "true" if enforce_iam else "false",
    }
