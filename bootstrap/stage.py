"""The stage: a deployment of the method as now defined, with stage-wide throttling.

Whether to deploy is read from the target, never from what this run changed: each deployment ``up`` makes
carries the method's fingerprint in its description, and a stage whose deployment carries another one (or
none: made by hand, or before an ``up`` was interrupted after changing the method) gets a new deployment.
"""

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.api import Throttle
from bootstrap.aws_errors import created_meanwhile, is_code
from bootstrap.client_types import APIGatewayClient, PatchOperationTypeDef
from bootstrap.report import Outcome

DESCRIPTION = "harness up; method {fingerprint}"


def deployed_description(apigw: APIGatewayClient, api_id: str, stage: Mapping[str, Any]) -> str | None:
    """The description of the deployment the stage serves (None: no such deployment)."""
    if not stage.get("deploymentId"):
        return None
    try:
        return apigw.get_deployment(restApiId=api_id, deploymentId=stage["deploymentId"]).get("description")
    except ClientError as error:
        if is_code(error, "NotFoundException"):
            return None
        raise


def ensure_stage(
    apigw: APIGatewayClient, api_id: str, stage: str, fingerprint: str, throttle: Throttle
) -> tuple[Mapping[str, Any], Outcome]:
    """A stage serving a deployment of the method whose fingerprint is given, with stage-wide throttling."""
    wanted = DESCRIPTION.format(fingerprint=fingerprint)
    try:
        current = apigw.get_stage(restApiId=api_id, stageName=stage)
    except ClientError as error:
        if not is_code(error, "NotFoundException"):
            raise
        current = None
    outcome = Outcome.UNCHANGED
    if current is None or deployed_description(apigw, api_id, current) != wanted:
        deployment = apigw.create_deployment(restApiId=api_id, description=wanted)
        if current is None:
            try:
                current = apigw.create_stage(restApiId=api_id, stageName=stage, deploymentId=deployment["id"])
                outcome = Outcome.CREATED
            except ClientError as meanwhile:
                if not created_meanwhile(meanwhile):
                    raise
                current = apigw.get_stage(restApiId=api_id, stageName=stage)
        if outcome is not Outcome.CREATED:
            patch: list[PatchOperationTypeDef] = [{"op": "replace", "path": "/deploymentId", "value": deployment["id"]}]
            current = apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=patch)
            outcome = Outcome.UPDATED
    settings = current.get("methodSettings", {}).get("*/*", {})
    limits = {"throttlingRateLimit": float(throttle.rate_limit), "throttlingBurstLimit": throttle.burst_limit}
    if any(settings.get(key) != value for key, value in limits.items()):
        patch = [
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": str(throttle.rate_limit)},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": str(throttle.burst_limit)},
        ]
        current = apigw.update_stage(restApiId=api_id, stageName=stage, patchOperations=patch)
        outcome = outcome.after_change()
    return current, outcome
