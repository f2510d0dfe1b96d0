"""What AWS answers as a conflict is told apart from "it exists already" (issue 26, findings 9 and 10).

Each test scripts AWS's answers with botocore's Stubber: nothing is sent.
"""

import pytest
from botocore.stub import Stubber

from bootstrap import api
from bootstrap.report import Outcome
from tests.support.botocore_scripting import offline_client

pytestmark = pytest.mark.unit
SOURCE = "arn:aws:execute-api:us-east-1:123456789012:abc123/*/POST/DynamoDBManager"
STATEMENT = '{"Statement": [{"Sid": "apigateway-invoke-abc123", "Condition": {"ArnLike": {"AWS:SourceArn": "%s"}}}]}'
IN_PROGRESS = "The operation cannot be performed at this time. An update is in progress for resource: fn"
ACTIVE = {"Configuration": {"FunctionName": "fn", "State": "Active", "LastUpdateStatus": "Successful"}}


def test_add_permission_while_an_update_is_in_progress__waits_and_adds_it(aws_env):
    # GIVEN a function being updated: AddPermission answers ResourceConflictException, and no statement exists
    lambda_client = offline_client("lambda")
    with Stubber(lambda_client) as stub:
        stub.add_client_error("get_policy", "ResourceNotFoundException")
        stub.add_client_error("add_permission", "ResourceConflictException", IN_PROGRESS)
        stub.add_client_error("get_policy", "ResourceNotFoundException")
        stub.add_response("get_function", ACTIVE)  # function_updated_v2
        stub.add_response("add_permission", {"Statement": "{}"})
        # WHEN up ensures the permission
        outcome = api.ensure_invoke_permission(lambda_client, "fn", SOURCE)[1]
        stub.assert_no_pending_responses()
    # THEN it waited for the update and added the statement, instead of calling it "already there"
    assert outcome is Outcome.CREATED


def test_add_permission_conflict_with_the_statement_there__unchanged(aws_env):
    lambda_client = offline_client("lambda")
    with Stubber(lambda_client) as stub:
        stub.add_client_error("get_policy", "ResourceNotFoundException")
        stub.add_client_error("add_permission", "ResourceConflictException", "The statement id provided already exists")
        stub.add_response("get_policy", {"Policy": STATEMENT % SOURCE})
        assert api.ensure_invoke_permission(lambda_client, "fn", SOURCE)[1] is Outcome.UNCHANGED
        stub.assert_no_pending_responses()


def test_add_permission_conflict_that_never_clears__fails_saying_so(aws_env):
    lambda_client = offline_client("lambda")
    with Stubber(lambda_client) as stub:
        stub.add_client_error("get_policy", "ResourceNotFoundException")
        stub.add_client_error("add_permission", "ResourceConflictException", IN_PROGRESS)
        stub.add_client_error("get_policy", "ResourceNotFoundException")
        stub.add_response("get_function", ACTIVE)
        with pytest.raises(RuntimeError, match="kept answering ResourceConflictException"):
            api.ensure_invoke_permission(lambda_client, "fn", SOURCE, attempts=1)


def test_create_resource_retried_after_a_timeout__conflict_reads_the_resource_back(aws_env):
    # GIVEN a CreateResource whose first attempt succeeded unseen: the retry answers ConflictException
    apigw = offline_client("apigateway")
    made = {"id": "r1", "path": "/DynamoDBManager", "pathPart": "DynamoDBManager", "parentId": "root"}
    with Stubber(apigw) as stub:
        stub.add_response("get_resources", {"items": [{"id": "root", "path": "/"}]})
        stub.add_client_error("create_resource", "ConflictException", "Another resource with the same parent")
        stub.add_response("get_resources", {"items": [{"id": "root", "path": "/"}, made]})
        # WHEN up ensures the resource, THEN it is the one the first attempt made
        resource, outcome = api.ensure_resource(apigw, "abc123")
        stub.assert_no_pending_responses()
    assert (resource["id"], outcome) == ("r1", Outcome.CREATED)


def test_put_method_retried_after_a_timeout__conflict_reads_the_method_back(aws_env):
    apigw = offline_client("apigateway")
    uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/fn/invocations"
    method = {"httpMethod": "POST", "apiKeyRequired": True, "methodIntegration": {"type": "AWS_PROXY", "uri": uri}}
    ids = {"restApiId": "abc123", "resourceId": "r1", "httpMethod": "POST"}
    with Stubber(apigw) as stub:
        stub.add_client_error("get_method", "NotFoundException")
        stub.add_client_error("put_method", "ConflictException", "Method already exists for this resource")
        stub.add_response("get_method", method, ids)
        assert api.ensure_method(apigw, "abc123", "r1", uri)[1] is Outcome.CREATED
        stub.assert_no_pending_responses()
