"""``down`` deletes each resource through one helper: DELETED, or ABSENT on the service's own not-found code;
any other error is raised (moto, and botocore's Stubber where moto answers no not-found code)."""

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from moto import mock_aws

from bootstrap import api, function, iam, log_group, table, usage
from bootstrap.aws_errors import delete_or_absent
from bootstrap.report import Outcome

pytestmark = pytest.mark.unit


def _fails_with(code: str) -> Callable[[], None]:
    def delete() -> None:
        raise ClientError({"Error": {"Code": code, "Message": code}}, "Delete")

    return delete


def test_delete_or_absent__deleted_when_the_delete_returns():
    assert delete_or_absent(lambda: {"ResponseMetadata": {}}, "NotFoundException") == (None, Outcome.DELETED)


@pytest.mark.parametrize("code", ["NotFoundException", "NoSuchEntity"])
def test_delete_or_absent__absent_on_a_not_found_code(code):
    assert delete_or_absent(_fails_with(code), "NotFoundException", "NoSuchEntity") == (None, Outcome.ABSENT)


@pytest.mark.parametrize("code", ["AccessDeniedException", "ResourceNotFoundException"])
def test_delete_or_absent__raises_any_other_code(code):
    # GIVEN a delete refused with a code that is not the service's not-found code (another service's included)
    # WHEN it runs THEN the error reaches the caller as it was
    with pytest.raises(ClientError) as raised:
        delete_or_absent(_fails_with(code), "NotFoundException")
    assert raised.value.response["Error"]["Code"] == code


def test_delete_or_absent__other_exceptions_pass_through():
    def delete() -> None:
        raise RuntimeError("deleting usage plan p: still BadRequestException after 15 s")

    with pytest.raises(RuntimeError):
        delete_or_absent(delete, "NotFoundException")


@pytest.fixture
def aws(aws_env):
    with mock_aws():
        yield lambda service: boto3.client(service, region_name="us-east-1")


DELETES: dict[str, tuple[str, Callable[[Any], tuple[None, Outcome]]]] = {
    "table": ("dynamodb", lambda client: table.delete_table(client, "never-made")),
    "function": ("lambda", lambda client: function.delete_function(client, "never-made")),
    "role": ("iam", lambda client: iam.delete_role(client, "never-made")),
    "log-group": ("logs", lambda client: log_group.delete_log_group(client, "never-made")),
}


@pytest.mark.parametrize("kind", DELETES)
def test_delete__absent_resource_is_reported_absent(aws, kind):
    service, delete = DELETES[kind]
    assert delete(aws(service)) == (None, Outcome.ABSENT)


def test_delete_role__policies_then_role_then_absent(aws):
    # GIVEN a role with an inline policy (IAM refuses to delete a role that still has one)
    client = aws("iam")
    policy = iam.execution_policy("arn:aws:dynamodb:us-east-1:123456789012:table/t1", "arn:aws:logs:x")
    iam.ensure_role(client, "r1", "p1", policy, {})
    # WHEN it is deleted twice THEN the first deletes it and the second finds nothing
    assert iam.delete_role(client, "r1") == (None, Outcome.DELETED)
    assert iam.delete_role(client, "r1") == (None, Outcome.ABSENT)


GATEWAY_DELETES: dict[str, tuple[str, Callable[[Any], tuple[None, Outcome]]]] = {
    "rest-api": ("delete_rest_api", lambda apigw: api.delete_rest_api(apigw, "a1")),
    "api-key": ("delete_api_key", lambda apigw: usage.delete_api_key(apigw, "k1")),
    "usage-plan": ("delete_usage_plan", lambda apigw: usage.delete_usage_plan(apigw, {"id": "p1", "name": "p"})),
}


@pytest.mark.parametrize("kind", GATEWAY_DELETES)
@pytest.mark.parametrize(("code", "outcome"), [(None, Outcome.DELETED), ("NotFoundException", Outcome.ABSENT)])
def test_gateway_delete__deleted_or_absent(aws_env, kind, code, outcome):
    operation, delete = GATEWAY_DELETES[kind]
    apigw = boto3.client("apigateway", region_name="us-east-1")
    with Stubber(apigw) as stub:
        if code is None:
            stub.add_response(operation, {})
        else:
            stub.add_client_error(operation, code, http_status_code=404)
        assert delete(apigw) == (None, outcome)
        stub.assert_no_pending_responses()


def test_delete_usage_plan__gone_while_its_stages_are_detached_is_absent(aws_env):
    apigw = boto3.client("apigateway", region_name="us-east-1")
    plan = {"id": "p1", "name": "p", "apiStages": [{"apiId": "a1", "stage": "dev"}]}
    with Stubber(apigw) as stub:
        stub.add_client_error("update_usage_plan", "NotFoundException", http_status_code=404)
        assert usage.delete_usage_plan(apigw, plan) == (None, Outcome.ABSENT)


def test_gateway_delete__another_error_is_raised(aws_env):
    apigw = boto3.client("apigateway", region_name="us-east-1")
    with Stubber(apigw) as stub:
        stub.add_client_error("delete_rest_api", "AccessDeniedException", http_status_code=403)
        with pytest.raises(ClientError, match="AccessDeniedException"):
            api.delete_rest_api(apigw, "a1")
