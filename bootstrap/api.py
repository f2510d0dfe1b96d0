"""The REST API: resource DynamoDBManager, POST with an API key, an AWS_PROXY integration (the stage: stage.py)."""

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from botocore.exceptions import ClientError

from bootstrap.aws_errors import created_meanwhile, delete_or_absent, is_code
from bootstrap.client_types import APIGatewayClient, LambdaClient, PatchOperationTypeDef, WaiterConfigTypeDef
from bootstrap.report import Outcome

RESOURCE_PATH = "DynamoDBManager"
METHOD = "POST"
# The method's authorizationType for each setting of ``Settings.authorization``.
AUTHORIZATION_TYPES = {"api-key": "NONE", "iam": "AWS_IAM"}
# AddPermission meets an update in progress (ResourceConflictException): wait for it, then try again, this often.
PERMISSION_ATTEMPTS = 5
WAITER: WaiterConfigTypeDef = {"Delay": 0.2, "MaxAttempts": 600}  # type: ignore[typeddict-item]


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


def _resource(apigw: APIGatewayClient, api_id: str, path: str) -> dict[str, Any] | None:
    return next((r for r in _resources(apigw, api_id) if r.get("path") == path), None)


def _resources(apigw: APIGatewayClient, api_id: str) -> list[dict[str, Any]]:
    return paginate(apigw, "get_resources", "items", restApiId=api_id)


def ensure_resource(apigw: APIGatewayClient, api_id: str) -> tuple[Mapping[str, Any], Outcome]:
    resources = _resources(apigw, api_id)
    existing = next((r for r in resources if r.get("path") == f"/{RESOURCE_PATH}"), None)
    if existing is not None:
        return existing, Outcome.UNCHANGED
    root = next(r for r in resources if r.get("path") == "/")
    try:
        created: Mapping[str, Any] = apigw.create_resource(
            restApiId=api_id, parentId=root["id"], pathPart=RESOURCE_PATH
        )
    except ClientError as error:
        # A CreateResource that botocore retried after a read timeout may have succeeded the first time: the
        # retry then meets the resource it made (ConflictException). Read it back rather than fail.
        made = _resource(apigw, api_id, f"/{RESOURCE_PATH}") if is_code(error, "ConflictException") else None
        if made is None:
            raise
        return made, Outcome.CREATED
    return created, Outcome.CREATED


def method_fingerprint(uri: str, authorization_type: str = "NONE") -> str:
    """A short hash of what ``ensure_method`` defines (its authorization, key required, AWS_PROXY to ``uri``): a
    deployment made after it carries it, so ``up`` can tell whether the stage serves the method as now defined."""
    method = {"authorizationType": authorization_type, "apiKeyRequired": True, "type": "AWS_PROXY", "uri": uri}
    return hashlib.sha256(json.dumps(method, sort_keys=True).encode()).hexdigest()[:16]


class _MethodIds(TypedDict):
    """What names the method in each call about it."""

    restApiId: str
    resourceId: str
    httpMethod: str


def ensure_method(
    apigw: APIGatewayClient, api_id: str, resource_id: str, uri: str, authorization_type: str = "NONE"
) -> tuple[None, Outcome]:
    """POST requiring an API key (and, with ``AWS_IAM``, a SigV4 signature), proxied to the function. The stage
    serves a change only once deployed."""
    ids: _MethodIds = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": METHOD}
    outcome = Outcome.UNCHANGED
    try:
        method: Mapping[str, Any] = apigw.get_method(**ids)
    except ClientError as error:
        if not is_code(error, "NotFoundException"):
            raise
        method = _put_method(apigw, ids, authorization_type)
        outcome = Outcome.CREATED
    if (method.get("authorizationType") or "NONE") != authorization_type:
        change: PatchOperationTypeDef = {"op": "replace", "path": "/authorizationType", "value": authorization_type}
        apigw.update_method(**ids, patchOperations=[change])
        outcome = outcome.after_change()
    if not method.get("apiKeyRequired"):
        apigw.update_method(**ids, patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
        outcome = Outcome.UPDATED
    integration = method.get("methodIntegration") or {}
    if integration.get("type") != "AWS_PROXY" or integration.get("uri") != uri:
        apigw.put_integration(**ids, type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
        outcome = outcome.after_change()
    return None, outcome


def _put_method(apigw: APIGatewayClient, ids: _MethodIds, authorization_type: str) -> Mapping[str, Any]:
    """PutMethod; a retried one that meets the method its first attempt made (ConflictException) reads it back."""
    try:
        method: Mapping[str, Any] = apigw.put_method(**ids, authorizationType=authorization_type, apiKeyRequired=True)
    except ClientError as error:
        if not is_code(error, "ConflictException"):
            raise
        method = apigw.get_method(**ids)
    return method


def _policy(lambda_client: LambdaClient, function_name: str) -> str:
    try:
        policy: str = lambda_client.get_policy(FunctionName=function_name)["Policy"]
    except ClientError as error:
        if not is_code(error, "ResourceNotFoundException"):
            raise
        return ""
    return policy


def ensure_invoke_permission(
    lambda_client: LambdaClient, function_name: str, source_arn: str, attempts: int = PERMISSION_ATTEMPTS
) -> tuple[None, Outcome]:
    """Let this API (and only this API's POST DynamoDBManager) invoke the function."""
    statement_id = "apigateway-invoke-" + source_arn.split(":")[-1].split("/")[0]
    policy = _policy(lambda_client, function_name)
    if statement_id in policy and source_arn in policy:
        return None, Outcome.UNCHANGED
    if statement_id in policy:
        lambda_client.remove_permission(FunctionName=function_name, StatementId=statement_id)
    for _attempt in range(attempts):
        try:
            lambda_client.add_permission(
                FunctionName=function_name,
                StatementId=statement_id,
                Action="lambda:InvokeFunction",
                Principal="apigateway.amazonaws.com",
                SourceArn=source_arn,
            )
            return None, Outcome.CREATED
        except ClientError as conflict:
            if not created_meanwhile(conflict):
                raise
            # Lambda answers ResourceConflictException both when the statement exists (another up added it) and
            # while an update of the function is in progress: only the policy tells which.
            policy = _policy(lambda_client, function_name)
            if statement_id in policy and source_arn in policy:
                return None, Outcome.UNCHANGED
            lambda_client.get_waiter("function_updated_v2").wait(FunctionName=function_name, WaiterConfig=WAITER)
    raise RuntimeError(
        f"lambda:AddPermission for {function_name} kept answering ResourceConflictException ({attempts} attempts) "
        "while the statement is not in its policy; re-run 'up'"
    )


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
