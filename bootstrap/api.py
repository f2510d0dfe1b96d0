"""The REST API: resource DynamoDBManager, POST with an API key, an AWS_PROXY integration (the stage: stage.py)."""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from botocore.exceptions import ClientError

from bootstrap.aws_errors import created_meanwhile, delete_or_absent, is_code
from bootstrap.client_types import APIGatewayClient, LambdaClient
from bootstrap.report import Outcome

RESOURCE_PATH = "DynamoDBManager"
METHOD = "POST"


@dataclass(frozen=True)
class Throttle:
    rate_limit: float
    burst_limit: int


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


def oldest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """API Gateway items in creation order (the oldest is the one ``up`` keeps using)."""
    return sorted(items, key=lambda item: (str(item.get("createdDate", "")), item["id"]))


def find_rest_apis(apigw: APIGatewayClient, name: str) -> list[dict[str, Any]]:
    """Every REST API with this name, oldest first: a CreateRestApi retried after a timeout can make two."""
    return oldest_first([api for api in paginate(apigw, "get_rest_apis", "items") if api["name"] == name])


def ensure_rest_api(apigw: APIGatewayClient, name: str, tags: dict[str, str]) -> tuple[Mapping[str, Any], Outcome]:
    """The oldest REST API with this name, or a new one."""
    found = find_rest_apis(apigw, name)
    if found:
        return found[0], Outcome.UNCHANGED
    api = apigw.create_rest_api(
        name=name,
        description="DynamoDBManager: POST operations on a DynamoDB table through Lambda (harness-managed)",
        endpointConfiguration={"types": ["REGIONAL"]},
        tags=tags,
    )
    return api, Outcome.CREATED


def ensure_resource(apigw: APIGatewayClient, api_id: str) -> tuple[Mapping[str, Any], Outcome]:
    resources = paginate(apigw, "get_resources", "items", restApiId=api_id)
    existing = next((r for r in resources if r.get("path") == f"/{RESOURCE_PATH}"), None)
    if existing is not None:
        return existing, Outcome.UNCHANGED
    root = next(r for r in resources if r.get("path") == "/")
    return apigw.create_resource(restApiId=api_id, parentId=root["id"], pathPart=RESOURCE_PATH), Outcome.CREATED


def method_fingerprint(uri: str) -> str:
    """A short hash of what ``ensure_method`` defines (key required, AWS_PROXY to ``uri``): a deployment made
    after it carries it, so ``up`` can tell whether the stage serves the method as now defined."""
    method = {"authorizationType": "NONE", "apiKeyRequired": True, "type": "AWS_PROXY", "uri": uri}
    return hashlib.sha256(json.dumps(method, sort_keys=True).encode()).hexdigest()[:16]


class _MethodIds(TypedDict):
    """What names the method in each call about it."""

    restApiId: str
    resourceId: str
    httpMethod: str


def ensure_method(apigw: APIGatewayClient, api_id: str, resource_id: str, uri: str) -> tuple[None, Outcome]:
    """POST requiring an API key, proxied to the function. The stage serves a change only once deployed."""
    ids: _MethodIds = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": METHOD}
    outcome = Outcome.UNCHANGED
    try:
        method = apigw.get_method(**ids)
    except ClientError as error:
        if not is_code(error, "NotFoundException"):
            raise
        method = apigw.put_method(**ids, authorizationType="NONE", apiKeyRequired=True)
        outcome = Outcome.CREATED
    if not method.get("apiKeyRequired"):
        apigw.update_method(**ids, patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
        outcome = Outcome.UPDATED
    integration = method.get("methodIntegration") or {}
    if integration.get("type") != "AWS_PROXY" or integration.get("uri") != uri:
        apigw.put_integration(**ids, type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
        outcome = outcome.after_change()
    return None, outcome


def ensure_invoke_permission(lambda_client: LambdaClient, function_name: str, source_arn: str) -> tuple[None, Outcome]:
    """Let this API (and only this API's POST DynamoDBManager) invoke the function."""
    statement_id = "apigateway-invoke-" + source_arn.split(":")[-1].split("/")[0]
    try:
        policy = lambda_client.get_policy(FunctionName=function_name)["Policy"]
    except ClientError as error:
        if not is_code(error, "ResourceNotFoundException"):
            raise
        policy = ""
    if statement_id in policy and source_arn in policy:
        return None, Outcome.UNCHANGED
    if statement_id in policy:
        lambda_client.remove_permission(FunctionName=function_name, StatementId=statement_id)
    try:
        lambda_client.add_permission(
            FunctionName=function_name,
            StatementId=statement_id,
            Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=source_arn,
        )
    except ClientError as meanwhile:
        if not created_meanwhile(meanwhile):
            raise
        return None, Outcome.UNCHANGED
    return None, Outcome.CREATED


def delete_rest_api(apigw: APIGatewayClient, api_id: str) -> tuple[None, Outcome]:
    return delete_or_absent(lambda: apigw.delete_rest_api(restApiId=api_id), "NotFoundException")


def tags_arn(partition: str, region: str, collection: str, item_id: str) -> str:
    """The ARN API Gateway's tag calls take for a REST API, API key or usage plan (``collection``)."""
    return f"arn:{partition}:apigateway:{region}::/{collection}/{item_id}"


def item_tags(apigw: APIGatewayClient, arn: str, item: dict[str, Any]) -> dict[str, str]:
    """An API Gateway resource's tags: its own ``tags`` field, plus GetTags.

    On AWS the two agree. MiniStack and LocalStack keep the tags added later by TagResource apart,
    visible only to GetTags, which in turn may miss the tags given at creation; the union is right on all.
    """
    return {**(item.get("tags") or {}), **apigw.get_tags(resourceArn=arn).get("tags", {})}
