"""The command line (``python -m harness_cli``) in this process or in one of its own, and the environment under
which it finds a stack."""

import contextlib
import io
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.paths import ROOT
from tests.support.polling import poll

# The suite's own `up`s start no execution environments ahead (16 cold starts each, seconds of CPU): the tests
# exercise cold starts as they come. Prewarming itself is tested in tests/e2e/test_prewarm.py.
NOT_PREWARMED = {"HARNESS_PREWARM": "0"}


def run_bootstrap(*args: str, env: dict[str, str], timeout: float) -> "subprocess.CompletedProcess[str]":
    """The real command line (``python -m harness_cli ...``) in a process of its own, its output captured."""
    return subprocess.run(  # noqa: S603 - this interpreter, the project's own module
        [sys.executable, "-m", "harness_cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass(frozen=True)
class CliResult:
    """What ``run_cli_in_process`` saw: the fields of ``subprocess.CompletedProcess`` the tests read."""

    returncode: int
    stdout: str
    stderr: str


def run_cli_in_process(*args: str, env: dict[str, str]) -> CliResult:
    """The command line's ``main`` (what ``python -m harness_cli ...`` runs) in this process, under exactly ``env``
    (the process's environment is restored after). For unit tests of its failures: a new interpreter importing
    boto3 costs 0.6-1 s of CPU each, and the e2e tests run the real process."""
    from harness_cli.__main__ import main

    saved, out, err = dict(os.environ), io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exited:  # argparse's usage errors
                code = exited.code if isinstance(exited.code, int) else int(exited.code is not None)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return CliResult(code, out.getvalue(), err.getvalue())


def cli_env(settings: Any) -> dict[str, str]:
    """The environment under which the real command line finds the stack these settings describe."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("HARNESS_", "AWS_ENDPOINT"))}
    env.update(
        HARNESS_TARGET=settings.target,
        HARNESS_STACK=settings.stack_name,
        HARNESS_STATE_DIR=str(settings.state_dir),
        HARNESS_EMULATOR=settings.emulator,
        **NOT_PREWARMED,
        AWS_REGION=settings.region,
    )
    optional = {
        "AWS_ENDPOINT_URL": settings.endpoint_url,
        "HARNESS_ENDPOINT_KIND": settings.endpoint_kind if settings.target == "endpoint" else None,
        "HARNESS_PUBLIC_ENDPOINT": settings.public_endpoint_url,
        "HARNESS_HANDLER_DIR": settings.handler_dir,
    }
    env.update({name: str(value) for name, value in optional.items() if value})
    return env


class CliProcess:
    """A long-running command (``watch``, ``logs --follow``) in a process of its own, its output lines collected.

    Use as a context manager: the process is always stopped (SIGTERM, then SIGKILL), by its PID.
    """

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - this interpreter, the project's own module
            [sys.executable, "-m", "harness_cli", *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, accept: Callable[[str], bool], timeout: float) -> str:
        """The first output line ``accept`` holds for, waiting for it until ``timeout``."""
        found = poll(
            lambda: next((line for line in self.lines if accept(line)), None), lambda x: x is not None, timeout, 0.05
        )
        assert found is not None
        return found

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, as a service manager would; SIGKILL if it has not exited within ``timeout``. Its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        return self.process.returncode

    def __enter__(self) -> "CliProcess":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def run_cli(settings: Any, *args: str, timeout: float = 240) -> "subprocess.CompletedProcess[str]":
    """``python -m harness_cli`` on a stack's target (``Settings``), with the stack's name and state folder."""
    if settings.target == "aws":  # the caller's own credentials and confirmation
        env, args = {**os.environ, **cli_env(settings)}, (*args, "--yes")
    else:
        env = cli_env(settings)
    return run_bootstrap(*args, env=env, timeout=timeout)
