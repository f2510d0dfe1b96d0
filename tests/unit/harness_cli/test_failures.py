"""The CLI's failures are clear, fast and non-zero: one line on stderr, never a traceback."""

import os
import socket

import botocore.handlers
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import WaiterError

from bootstrap import function
from harness_cli import __main__ as cli
from tests.support.cli import run_bootstrap, run_cli_in_process

pytestmark = pytest.mark.unit
ROLE_NOT_READY = "The role defined for the function cannot be assumed by Lambda."


def _environment(tmp_path, **env: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "HARNESS_"))}
    base.update(HARNESS_STATE_DIR=str(tmp_path / "state"), AWS_EC2_METADATA_DISABLED="true", **env)
    return base


def run_cli(*args: str, tmp_path, **env: str):  # noqa: ANN201 - a CliResult
    """The command line's main in this process (see ``run_cli_in_process``)."""
    return run_cli_in_process(*args, env=_environment(tmp_path, **env))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def test_endpoint_with_nothing_answering__exit_2_naming_it(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}"
    result = run_cli("up", tmp_path=tmp_path, AWS_ENDPOINT_URL=url)
    assert result.returncode == 2
    assert f"no emulator answering at {url}" in result.stderr


def test_status_without_a_stack__exit_3_from_the_real_process(tmp_path):
    # The one test here that starts `python -m harness_cli` itself: its exit code is the process's
    result = run_bootstrap("status", env=_environment(tmp_path), timeout=60)
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


@pytest.mark.parametrize("target", ["aws", "endpoint"])
def test_up_debug_on_a_target_not_running_the_function_here__refused_in_one_line(tmp_path, target):
    result = run_cli("up", "--debug", "--target", target, "--yes", tmp_path=tmp_path, AWS_REGION="us-east-1")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--debug needs the embedded emulator" in result.stderr


def test_bad_setting__one_line_no_traceback(tmp_path):
    # GIVEN a setting that does not parse, WHEN the real command runs, THEN one line naming it and exit 2
    result = run_cli("status", tmp_path=tmp_path, HARNESS_PORT="not-a-port")
    assert result.returncode == 2
    assert result.stderr == "error: HARNESS_PORT='not-a-port': must be a whole number\n"


def test_role_never_assumable__one_line_no_traceback(moto_aws, monkeypatch, tmp_path, capsys):
    # GIVEN Lambda keeps refusing the new role (IAM propagation), and no time left to wait for it
    refused = {"Error": {"Code": "InvalidParameterValueException", "Message": ROLE_NOT_READY}}

    def create_function(**_kwargs):
        return AWSResponse("", 400, {}, None), refused

    shim = ("before-call.lambda.CreateFunction", create_function)
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", [*botocore.handlers.BUILTIN_HANDLERS, shim])
    monkeypatch.setattr(function, "ROLE_PROPAGATION_TIMEOUT_S", 0.0)
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path / "state"))
    # WHEN up runs from the command line
    code = cli.main(["up", "--target", "aws", "--yes", "--stack", "norole"])
    # THEN it ends in one line naming the cause, not a traceback
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: up failed: role arn:aws:iam::") and err.count("\n") == 1
    assert "IAM propagation" in err


@pytest.mark.parametrize(
    ("raised", "code", "line"),
    [
        (WaiterError("table_exists", "Max attempts exceeded", {}), 1, "error: status failed: Waiter table_exists"),
        (KeyboardInterrupt(), 130, "error: status interrupted; run it again to converge"),
        (OSError(28, "No space left on device"), 1, "error: status failed: OSError: [Errno 28] No space left"),
    ],
    ids=["waiter", "interrupt", "os-error"],
)
def test_any_failure__one_line_no_traceback(monkeypatch, capsys, raised, code, line):
    # GIVEN a command that fails in a way nobody planned for
    def fail(_settings):
        raise raised

    monkeypatch.setattr(cli.lifecycle, "status", fail)
    # WHEN it runs, THEN the exit code says so and stderr holds exactly one line
    assert cli.main(["status"]) == code
    err = capsys.readouterr().err
    assert err.startswith(line) and err.count("\n") == 1


@pytest.mark.parametrize("command", ["watch", "logs"])
def test_inner_loop_command_without_a_stack__one_line_exit_2(tmp_path, command):
    result = run_cli(command, tmp_path=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", "error: no stack is up: run ./harness up\n")


def test_watch_of_a_folder_without_a_handler__one_line_exit_2(tmp_path):
    result = run_cli("watch", "--source", str(tmp_path), tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"error: {tmp_path} is not a handler folder (no app.py)\n"


def test_watch_on_aws_without_credentials__refused_before_anything_is_watched(tmp_path):
    none = str(tmp_path / "none")
    result = run_cli(
        "watch", "--target", "aws", "--yes", tmp_path=tmp_path, AWS_CONFIG_FILE=none, AWS_SHARED_CREDENTIALS_FILE=none
    )
    assert result.returncode == 2 and result.stderr.startswith("error: no AWS credentials found")
    assert "watching" not in result.stdout
