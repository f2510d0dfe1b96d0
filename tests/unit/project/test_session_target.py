"""How the end-to-end session picks its stack: the selection logic, without needing Docker."""

import pytest

from bootstrap.settings import Settings
from local_runtime.docker_targets import _what_to_do
from tests.session_target import LOCALSTACK_DOCKER, plan_session

pytestmark = pytest.mark.unit


def test_default__bootstraps_the_embedded_emulator():
    assert plan_session(Settings.from_env({}), engine_available=lambda: False).kind == "stack"


def test_localstack_docker_without_engine__skips_and_says_why():
    settings = Settings.from_env({"HARNESS_EMULATOR": LOCALSTACK_DOCKER})
    plan = plan_session(settings, engine_available=lambda: False)
    assert plan.kind == "skip" and "Docker engine" in plan.reason


def test_localstack_docker_with_engine__uses_testcontainers():
    settings = Settings.from_env({"HARNESS_EMULATOR": LOCALSTACK_DOCKER})
    assert plan_session(settings, engine_available=lambda: True).kind == "testcontainers"


def test_endpoint_switch__wins_over_the_emulator_choice():
    settings = Settings.from_env({"HARNESS_EMULATOR": LOCALSTACK_DOCKER, "AWS_ENDPOINT_URL": "http://localhost:4566"})
    assert plan_session(settings, engine_available=lambda: True).kind == "stack"


@pytest.mark.parametrize(
    ("emulator", "profile"), [("compose-localstack", "localstack"), ("compose-ministack", "ministack")]
)
def test_compose_targets_with_engine__compose_with_that_emulator(emulator, profile):
    plan = plan_session(Settings.from_env({"HARNESS_EMULATOR": emulator}), engine_available=lambda: True)
    assert (plan.kind, plan.emulator) == ("compose", profile)


@pytest.mark.parametrize("emulator", ["compose-localstack", "compose-ministack", LOCALSTACK_DOCKER])
def test_docker_targets_without_engine__skip_naming_the_setting(emulator):
    plan = plan_session(Settings.from_env({"HARNESS_EMULATOR": emulator}), engine_available=lambda: False, environ={})
    assert plan.kind == "skip" and f"HARNESS_EMULATOR={emulator}" in plan.reason and "Docker engine" in plan.reason


@pytest.mark.parametrize("emulator", ["compose-localstack", "compose-ministack", LOCALSTACK_DOCKER])
def test_docker_targets_without_engine_where_docker_is_required__fail_saying_why(emulator):
    settings = Settings.from_env({"HARNESS_EMULATOR": emulator})
    plan = plan_session(settings, engine_available=lambda: False, environ={"HARNESS_REQUIRE_DOCKER": "1"})
    assert plan.kind == "fail" and "Docker engine" in plan.reason and "HARNESS_REQUIRE_DOCKER=1" in plan.reason


@pytest.mark.parametrize(
    ("docker_says", "advice"),
    [
        ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.", "start the Docker engine"),
        ("Bind for 127.0.0.1:4566 failed: port is already allocated", "HARNESS_DOCKER_PORT"),
        ("pip: Temporary failure in name resolution", "PyPI, the npm registry"),
        ("failed to resolve source metadata for docker.io/library/python:3.13-slim", "docker pull python:3.13-slim"),
    ],
)
def test_docker_failures__say_what_to_do(docker_says, advice):
    assert advice in _what_to_do(docker_says)
    assert _what_to_do("something else entirely") == ""
