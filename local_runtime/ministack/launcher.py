"""MiniStack: a pure-Python AWS emulator that runs Lambda functions as local processes (no Docker)."""

import shutil
import sys
from pathlib import Path

HEALTH_PATH = "/_ministack/health"
DEFAULT_PORT = 4566
SCRATCH_FOLDER = "ministack-tmp"  # its TMPDIR: the execution environments' folders
ENVIRONMENT_PREFIX = "ministack-lambda-"  # MiniStack's prefix for an execution environment's folder
SHARED_CODE_FOLDER = "harness-code"  # shared_code.py's unzipped copies
# MiniStack's STATE_DIR (default /tmp/ministack-state): its Cognito service keeps a signing key there, made the first
# time anything imports it (the Resource Groups Tagging API does: `status`, `sweep`).
STATE_FOLDER = "ministack-state"


def prepare(state_dir: Path) -> None:
    """MiniStack is a dependency of the project; only what a stopped emulator left in the scratch folder goes."""
    after_stop(state_dir)


def after_stop(state_dir: Path) -> None:
    """Delete the execution environments' folders, the shared code copies (``ministack/shared_code.py``) and the PID
    file in the scratch folder: MiniStack leaves them behind when it is stopped by a signal."""
    scratch = state_dir / SCRATCH_FOLDER
    for leftover in [*scratch.glob(f"{ENVIRONMENT_PREFIX}*"), scratch / SHARED_CODE_FOLDER]:
        shutil.rmtree(leftover, ignore_errors=True)
    for pid_file in scratch.glob("ministack-*.pid"):  # MiniStack's own, left when it is stopped by a signal
        pid_file.unlink(missing_ok=True)


def command(_state_dir: Path) -> list[str]:
    # The function workers run on this same interpreter, so they see boto3 and the bundled packages.
    return [sys.executable, "-m", "local_runtime.ministack"]  # patches.py applied, then MiniStack's main


def environment(port: int, region: str, state_dir: Path, enforce_iam: bool) -> dict[str, str]:
    """MiniStack's settings: loopback only, our region, IAM enforced, its scratch and state files under ``.stack/``."""
    scratch = state_dir / SCRATCH_FOLDER
    scratch.mkdir(parents=True, exist_ok=True)
    return {
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "MINISTACK_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "TMPDIR": str(scratch),
        "STATE_DIR": str(scratch / STATE_FOLDER),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        # Evaluate IAM policies on every call (the function's role included), as AWS does.
        "AUTH": "true" if enforce_iam else "false",
    }
