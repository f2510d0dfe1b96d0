"""``./harness faults``' failures: one line on stderr, exit 2, before anything is contacted."""

import pytest

from local_runtime.faults.launcher import LOCAL_ONLY
from tests.support.cli import run_cli_in_process

pytestmark = pytest.mark.unit


def _faults(tmp_path, *args: str, **env: str):
    environment = {"HARNESS_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}
    return run_cli_in_process("faults", *args, env=environment)


@pytest.mark.parametrize("command", [["list"], ["clear"], ["set", "--operation", "PutItem", "--drop"]])
def test_no_stack_up__exit_2_saying_run_up(tmp_path, command):
    result = _faults(tmp_path, *command)
    assert (result.returncode, result.stderr) == (2, "error: no stack is up: run ./harness up\n")


@pytest.mark.parametrize("how", [{"args": ["--target", "aws"]}, {"env": {"HARNESS_TARGET": "aws"}}])
def test_target_aws__refused(tmp_path, how):
    result = _faults(tmp_path, *how.get("args", []), "list", **how.get("env", {}))
    assert result.returncode == 2
    assert result.stderr == f"error: {LOCAL_ONLY}\n"


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["set", "--operation", "Query", "--drop"], "--operation"),
        (["set", "--operation", "PutItem", "--error", "Nope"], "--error"),
        (["set", "--operation", "PutItem", "--error", "ThrottlingException", "--drop"], "--drop"),
        (["set", "--operation", "PutItem", "--probability", "often"], "--probability"),
        (["explode"], "explode"),
        ([], "required"),
    ],
)
def test_bad_arguments__exit_2_one_line(tmp_path, args, names):
    result = _faults(tmp_path, *args)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and names in result.stderr and "Traceback" not in result.stderr
