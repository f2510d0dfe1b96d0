"""The REST API: resource DynamoDBManager, POST with an API key, an AWS_PROXY integration, a stage."""

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.aws_errors import is_code
from bootstrap.report import Outcome

RESOURCE_PATH = "DynamoDBManager"
METHOD = "POST"


@dataclass(frozen=True)
class Throttle:
    rate_limit: float
    burst_limit: int


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**kwargs) for item in page.get(key, [])]


def find_rest_api(apigw: Any, name: str) -> dict[str, Any] | None:
    matches = [api for api in paginate(apigw, "get_rest_apis", "items") if api["name"] == name]
    return min(matches, key=lambda api: str(api.get("createdDate", ""))) if matches else None


def ensure_rest_api(apigw: Any, name: str, tags: dict[str, str]) -> tuple[dict[str, Any], Outcome]:
    api = find_rest_api(apigw, name)
    if api is not None:
        return api, Outcome.UNCHANGED
    api = apigw.create_rest_api(
        name=name,
        description="DynamoDBManager: POST operations on a DynamoDB table through Lambda (harness-managed)",
        endpointConfiguration={"types": ["REGIONAL"]},
        tags=tags,
    )
    return api, Outcome.CREATED


def ensure_resource(apigw: Any, api_id: str) -> tuple[dict[str, Any], Outcome]:
    resources = paginate(apigw, "get_resources", "items", restApiId=api_id)
    existing = next((r for r in resources if r.get("path") == f"/{RESOURCE_PATH}"), None)
    if existing is not None:
        return existing, Outcome.UNCHANGED
    root = next(r for r in resources if r.get("path") == "/")
    return apigw.create_resource(restApiId=api_id, parentId=root["id"], pathPart=RESOURCE_PATH), Outcome.CREATED


def integration_uri(region: str, function_arn: str) -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def ensure_method(apigw: Any, api_id: str, resource_id: str, uri: str) -> tuple[None, Outcome]:
    """POST requiring an API key, proxied to the function. Changes here need a new deployment."""
    ids = {"restApiId": api_id, "resourceId": resource_id, "httpMethod": METHOD}
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


def ensure_invoke_permission(lambda_client: Any, function_name: str, source_arn: str) -> tuple[None, Outcome]:
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
    lambda_client.add_permission(
        FunctionName=function_name,
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com",
        SourceArn=source_arn,
    )
    return None, Outcome.CREATED


def ensure_stage(apigw: Any, api_id: str, stage: str, redeploy: bool, throttle: Throttle) -> tuple[dict, Outcome]:
    """A stage pointing at a deployment of the current API, with stage-wide throttling."""
    try:
        current = apigw.get_stage(restApiId=api_id, stageName=stage)
        outcome = Outcome.UNCHANGED
    except ClientError as error:
        if not is_code(error, "NotFoundException"):
            raise
        current, redeploy, outcome = None, True, Outcome.CREATED
    if redeploy:
        deployment = apigw.create_deployment(restApiId=api_id, description="harness up")
        if current is None:
            current = apigw.create_stage(restApiId=api_id, stageName=stage, deploymentId=deployment["id"])
        else:
            patch = [{"op": "replace", "path": "/deploymentId", "value": deployment["id"]}]
            current = apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=patch)
            outcome = Outcome.UPDATED
    settings = current.get("methodSettings", {}).get("*/*", {})
    wanted = {"throttlingRateLimit": float(throttle.rate_limit), "throttlingBurstLimit": throttle.burst_limit}
    if any(settings.get(key) != value for key, value in wanted.items()):
        patch = [
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(throttle.rate_limit)},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(throttle.burst_limit)},
        ]
        current = apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=patch)
        outcome = outcome.after_change()
    return current, outcome


def delete_rest_api(apigw: Any, name: str) -> tuple[None, Outcome]:
    api = find_rest_api(apigw, name)
    if api is None:
        return None, Outcome.ABSENT
    apigw.delete_rest_api(restApiId=api["id"])
    return None, Outcome.DELETED


def _arn(apigw: Any, collection: str, item: dict[str, Any]) -> str:
    return f"arn:aws:apigateway:{apigw.meta.region_name}::/{collection}/{item['id']}"


def item_tags(apigw: Any, collection: str, item: dict[str, Any]) -> dict[str, str]:
    """An API Gateway resource's tags: its own ``tags`` field, plus GetTags.

    On AWS the two agree. MiniStack and LocalStack keep the tags added later by TagResource apart,
    visible only to GetTags, which in turn may miss the tags given at creation; the union is right on all.
    """
    return {**(item.get("tags") or {}), **apigw.get_tags(resourceArn=_arn(apigw, collection, item)).get("tags", {})}


def tag_item(apigw: Any, collection: str, item: dict[str, Any], tags: dict[str, str]) -> None:
    apigw.tag_resource(resourceArn=_arn(apigw, collection, item), tags=tags)


def read_tags(apigw: Any, name: str) -> dict[str, str] | None:
    """The REST API's tags, or None if no API has this name."""
    api = find_rest_api(apigw, name)
    return None if api is None else item_tags(apigw, "restapis", api)


def tag_rest_api(apigw: Any, name: str, tags: dict[str, str]) -> None:
    api = find_rest_api(apigw, name)
    if api is not None:
        tag_item(apigw, "restapis", api, tags)
