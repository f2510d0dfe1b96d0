"""The boto3 client types the bootstrap's functions take, and the request shapes they build, for the type checker.

They come from boto3-stubs' service packages (mypy-boto3-<service>), which only ``tox -e lint`` installs, for mypy:
at run time every name here is ``Any``, so nothing that runs needs them.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_apigateway import APIGatewayClient
    from mypy_boto3_apigateway.type_defs import ApiStageTypeDef, PatchOperationTypeDef
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import WaiterConfigTypeDef
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_sts import STSClient
else:
    APIGatewayClient = DynamoDBClient = IAMClient = LambdaClient = CloudWatchLogsClient = STSClient = Any
    ApiStageTypeDef = PatchOperationTypeDef = WaiterConfigTypeDef = Any

__all__ = [
    "APIGatewayClient",
    "ApiStageTypeDef",
    "CloudWatchLogsClient",
    "DynamoDBClient",
    "IAMClient",
    "LambdaClient",
    "PatchOperationTypeDef",
    "STSClient",
    "WaiterConfigTypeDef",
]
