"""The CLI's failures are clear, fast and non-zero."""

import os
import socket
import subprocess
import sys

import pytest

pytestmark = pytest.mark.unit


def run_cli(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HARNESS_"))}
    base.update(HARNESS_STATE_DIR=str(tmp_path / "state"), AWS_EC2_METADATA_DISABLED="true", **env)
    return subprocess.run(
        [sys.executable, "-m", "bootstrap", *args], env=base, capture_output=True, text=True, timeout=60, check=False
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def test_endpoint_with_nothing_answering__exit_2_naming_it(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    result = run_cli("up", tmp_path=tmp_path, AWS_ENDPOINT_URL=url)
    assert result.returncode == 2
    assert f"no emulator answering at {url}" in result.stderr


def test_status_without_a_stack__exit_3(tmp_path):
    result = run_cli("status", tmp_path=tmp_path)
    assert result.returncode == 3 and "no stack is up" in result.stdout


def test_aws_down_without_credentials__refuses_naming_them(tmp_path):
    result = run_cli(
        "down",
        "--target",
        "aws",
        tmp_path=tmp_path,
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    assert result.returncode == 2 and "credentials" in result.stderr
