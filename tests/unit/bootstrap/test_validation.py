"""Bad settings are refused before anything starts, each with one line naming the setting, value and rule."""

import pytest

from bootstrap.settings import Settings, SettingsError
from bootstrap.validation import problems
from tests.support.cli import run_cli_in_process

pytestmark = pytest.mark.unit

# (environment, words the one problem line must contain)
BAD_SETTINGS = [
    ({"HARNESS_STACK": "bad_name!"}, ["bad_name!", "HARNESS_STACK", "A-Z a-z 0-9"]),
    ({"HARNESS_STACK": "a" * 60}, ["function name", "1-64"]),
    ({"HARNESS_STACK": "ab"}, ["table name", "3-255"]),
    ({"HARNESS_STAGE": "Prod-Stage!"}, ["Prod-Stage!", "HARNESS_STAGE", "A-Z a-z 0-9 _"]),
    ({"AWS_REGION": "mars-1"}, ["mars-1", "AWS_REGION"]),
    ({"HARNESS_TARGET": "cloud"}, ["cloud", "HARNESS_TARGET"]),
    ({"HARNESS_EMULATOR": "dynalite"}, ["dynalite", "HARNESS_EMULATOR", "ministack"]),
    ({"HARNESS_LOG_LEVEL": "LOUD"}, ["LOUD", "HARNESS_LOG_LEVEL"]),
    ({"HARNESS_MEMORY_MB": "127"}, ["HARNESS_MEMORY_MB=127", "128-10240"]),
    ({"HARNESS_MEMORY_MB": "10241"}, ["HARNESS_MEMORY_MB=10241", "128-10240"]),
    ({"HARNESS_TIMEOUT_S": "0"}, ["HARNESS_TIMEOUT_S=0", "1-900"]),
    ({"HARNESS_TIMEOUT_S": "901"}, ["HARNESS_TIMEOUT_S=901", "1-900"]),
    ({"HARNESS_PREWARM": "-1"}, ["HARNESS_PREWARM=-1", "0 (off) to 64"]),
    ({"HARNESS_PREWARM": "65"}, ["HARNESS_PREWARM=65", "0 (off) to 64"]),
    ({"HARNESS_PORT": "70000"}, ["70000", "1-65535"]),
    ({"HARNESS_PLAN_RATE_LIMIT": "-1"}, ["HARNESS_PLAN_RATE_LIMIT=-1"]),
    ({"HARNESS_STAGE_BURST_LIMIT": "-5"}, ["HARNESS_STAGE_BURST_LIMIT=-5"]),
    ({"HARNESS_PLAN_QUOTA_PER_DAY": "0"}, ["HARNESS_PLAN_QUOTA_PER_DAY=0"]),
    ({"HARNESS_CONSISTENCY_WINDOW_MS": "-1"}, ["consistency-window-ms", "0 (off)"]),
    ({"HARNESS_TARGET": "aws", "AWS_REGION": "eu-west-1", "HARNESS_FAULTS": "1"}, ["--faults", "local stacks"]),
]
UNREADABLE = [
    ({"HARNESS_MEMORY_MB": "abc"}, "HARNESS_MEMORY_MB='abc': must be a whole number"),
    ({"HARNESS_TIMEOUT_S": "1.5"}, "HARNESS_TIMEOUT_S='1.5': must be a whole number"),
    ({"HARNESS_PREWARM": "many"}, "HARNESS_PREWARM='many': must be a whole number"),
    ({"HARNESS_PLAN_RATE_LIMIT": "fast"}, "HARNESS_PLAN_RATE_LIMIT='fast': must be a number"),
    ({"HARNESS_PORT": "http"}, "HARNESS_PORT='http': must be a whole number"),
]


@pytest.mark.parametrize(("environment", "words"), BAD_SETTINGS, ids=lambda v: str(v) if isinstance(v, dict) else "")
def test_bad_setting__one_line_naming_setting_value_and_rule(environment, words):
    found = problems(Settings.from_env(environment))
    # One line per broken rule (a long stack name may break several derived names' rules at once)
    assert found and all(line.count("\n") == 0 for line in found), found
    assert any(all(word in line for word in words) for line in found), found


@pytest.mark.parametrize(("environment", "message"), UNREADABLE)
def test_unreadable_number__refused_naming_the_variable(environment, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(environment)


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1"])
def test_defaults_in_any_partition__pass(region):
    assert problems(Settings.from_env({"AWS_REGION": region})) == []


def test_edges__pass():
    limits = {
        "HARNESS_MEMORY_MB": "10240",
        "HARNESS_TIMEOUT_S": "900",
        "HARNESS_STAGE": "prod_2",
        "HARNESS_STACK": "ci-1",
    }
    assert problems(Settings.from_env(limits)) == []


@pytest.mark.parametrize("arguments", [["--stack", "bad_name!"], ["--stage", "Prod-Stage!"], ["--region", "mars-1"]])
def test_cli__exit_2_one_line_and_nothing_started(arguments, tmp_path):
    # GIVEN an empty state folder; WHEN up runs with a bad setting
    env = {"HARNESS_STATE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = run_cli_in_process("up", *arguments, env=env)
    # THEN one error line, exit 2, no traceback, and no emulator was started (nothing in the state folder)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and arguments[1] in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert list(tmp_path.iterdir()) == []
