"""What only real AWS does, simulated so it is proven here: IAM propagation, control-plane throttling,
API-key propagation, and the no-credentials refusal."""

import os
import time

import pytest
from botocore.stub import Stubber

from benchmarks.load import Api
from bootstrap import function
from bootstrap.settings import AWS
from tests.support.botocore_scripting import offline_client, script_http
from tests.support.cli import run_bootstrap
from tests.support.polling import wait_for_key

pytestmark = pytest.mark.unit
SPEC = function.FunctionSpec("fn", "arn:aws:iam::123456789012:role/r", 128, 10, {"TABLE_NAME": "t"}, {})
ROLE_NOT_READY = "The role defined for the function cannot be assumed by Lambda."


def test_create_function__retries_while_the_new_role_is_not_assumable(aws_env):
    # GIVEN Lambda refuses the brand-new role twice (IAM propagation), then accepts it
    client = offline_client("lambda")
    sleeps = []
    with Stubber(client) as stub:
        for _ in range(2):
            stub.add_client_error("create_function", "InvalidParameterValueException", ROLE_NOT_READY)
        stub.add_response("create_function", {"FunctionName": "fn", "FunctionArn": "arn:aws:lambda:::function:fn"})
        # WHEN the function is created
        created = function.create_with_role_retry(client, SPEC, b"zip", sleep=sleeps.append)
    # THEN it succeeds after two bounded waits
    assert created["FunctionName"] == "fn"
    assert sleeps == [function.ROLE_PROPAGATION_RETRY_S] * 2


def test_create_function__gives_up_with_a_clear_error(aws_env, monkeypatch):
    client = offline_client("lambda")
    monkeypatch.setattr(function, "ROLE_PROPAGATION_TIMEOUT_S", 0.0)
    with Stubber(client) as stub:
        stub.add_client_error("create_function", "InvalidParameterValueException", ROLE_NOT_READY)
        with pytest.raises(RuntimeError, match="IAM propagation"):
            function.create_with_role_retry(client, SPEC, b"zip", sleep=lambda _s: None)


def test_create_function__other_errors_are_not_retried(aws_env):
    client = offline_client("lambda")
    with Stubber(client) as stub:
        stub.add_client_error("create_function", "CodeStorageExceededException", "too big")
        with pytest.raises(Exception, match="CodeStorageExceeded"):
            function.create_with_role_retry(client, SPEC, b"zip", sleep=lambda _s: pytest.fail("must not wait"))


def test_adopted_function_given_the_new_role__configuration_update_retried_until_assumable(aws_env):
    # GIVEN an existing function (the tutorial's, adopted) with another role, same code, Active
    client = offline_client("lambda")
    current = {
        **SPEC.configuration(),
        "Role": "arn:aws:iam::123456789012:role/lambda-apigateway-role",
        "FunctionName": "fn",
        "CodeSha256": function.code_sha256(b"zip"),
        "State": "Active",
        "LastUpdateStatus": "Successful",
    }
    updated = {**current, "Role": SPEC.role_arn}
    sleeps: list[float] = []
    with Stubber(client) as stub:
        stub.add_response("get_function", {"Configuration": current})
        # Lambda refuses our brand-new role once (IAM propagation), then takes it
        stub.add_client_error("update_function_configuration", "InvalidParameterValueException", ROLE_NOT_READY)
        stub.add_response("update_function_configuration", {"FunctionName": "fn"})
        stub.add_response("get_function", {"Configuration": updated})  # function_updated_v2
        stub.add_response("get_function", {"Configuration": updated})
        # WHEN up ensures the function
        described, outcome = function.ensure_function(client, SPEC, b"zip", sleep=sleeps.append)
        stub.assert_no_pending_responses()
    # THEN the update was retried after one bounded wait, and the function has the role
    assert (described["Role"], outcome.value) == (SPEC.role_arn, "updated")
    assert sleeps == [function.ROLE_PROPAGATION_RETRY_S]


def test_control_plane_throttling__is_retried_by_the_client(aws_env):
    # GIVEN API Gateway answers TooManyRequests twice (its control plane throttles on AWS)
    client = offline_client("apigateway")
    too_many = (429, {"x-amzn-ErrorType": "TooManyRequestsException"}, b'{"message": "Too Many Requests"}')
    served = script_http(client, "GetRestApis", [too_many, too_many, (200, {}, b'{"item": []}')])
    # WHEN the bootstrap lists APIs, THEN the adaptive retry mode absorbs the throttling
    started = time.monotonic()
    assert client.get_rest_apis()["items"] == []
    assert served == [429, 429, 200]
    assert time.monotonic() - started < 30


class _FakeApi(Api):
    """An API whose new key is refused (403) a few times, as AWS does while a usage plan propagates."""

    def __init__(self, refusals: int) -> None:
        super().__init__("http://127.0.0.1:9/unused", "key")
        self.statuses = [403] * refusals + [200]

    def post(self, body=None, **_kwargs):
        status = self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]
        return type("Response", (), {"status_code": status, "text": ""})()


def test_new_api_key__waited_for_until_it_works():
    api = _FakeApi(refusals=3)
    wait_for_key(api, timeout=5, interval=0)
    assert api.statuses == [200]


def test_new_api_key__never_valid_fails_with_the_reason():
    with pytest.raises(TimeoutError, match="403"):
        wait_for_key(_FakeApi(refusals=10_000), timeout=0.05, interval=0.01)


def test_real_account_without_credentials__fails_fast_and_creates_nothing(tmp_path):
    env = {
        key: value for key, value in os.environ.items() if not key.startswith("AWS_") and not key.startswith("HARNESS_")
    }
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        AWS_EC2_METADATA_DISABLED="true",  # never probe the metadata service from a test
        HARNESS_STATE_DIR=str(tmp_path / "state"),
    )
    started = time.monotonic()
    result = run_bootstrap("up", "--target", AWS, "--yes", env=env, timeout=60)
    assert time.monotonic() - started < 20
    assert result.returncode == 2
    assert "no AWS credentials found" in result.stderr
    assert not (tmp_path / "state").exists()
