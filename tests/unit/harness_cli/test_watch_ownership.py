"""`watch` changes a function's code: it first checks the function is this stack's, in this account."""

import boto3
import pytest
from botocore.stub import Stubber

from harness_cli.common import CommandError
from harness_cli.watch import _check_ours

pytestmark = pytest.mark.unit
ARN = "arn:aws:lambda:us-east-1:111111111111:function:LambdaFunctionOverHttps"
OUTPUTS = {"function_name": "LambdaFunctionOverHttps", "account_id": "111111111111"}
OURS = {"harness:stack": "lambda-apigateway", "harness:managed-by": "dynamodb-manager-harness"}


def _lambda_with_tags(tags: dict[str, str]) -> tuple[object, Stubber]:
    client = boto3.client("lambda", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_response("get_function", {"Configuration": {"FunctionArn": ARN}}, {"FunctionName": ARN.split(":")[-1]})
    stubber.add_response("list_tags", {"Tags": tags}, {"Resource": ARN})
    return client, stubber


def test_function_with_this_stack_s_tags__watched():
    client, stubber = _lambda_with_tags(OURS)
    with stubber:
        _check_ours(client, OUTPUTS, "lambda-apigateway", account="111111111111")


def test_function_of_the_same_name_without_the_tags__refused():
    client, stubber = _lambda_with_tags({"team": "someone-else"})
    with stubber, pytest.raises(CommandError, match="is not stack 'lambda-apigateway'"):
        _check_ours(client, OUTPUTS, "lambda-apigateway", account=None)


def test_outputs_of_another_account__refused_before_any_call():
    client, stubber = _lambda_with_tags(OURS)
    with stubber, pytest.raises(CommandError, match="account 111111111111, these credentials are account 2222"):
        _check_ours(client, OUTPUTS, "lambda-apigateway", account="222222222222")
