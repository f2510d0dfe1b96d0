"""Small helpers for reading boto3's ClientError by code (never by message text alone)."""

from botocore.exceptions import ClientError


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def is_code(error: Exception, *codes: str) -> bool:
    return isinstance(error, ClientError) and error_code(error) in codes


# What a create answers when the resource appeared between our describe and our create: another ``up`` of the
# same stack (another checkout, another terminal) made it. The ensure_* functions then treat it as existing.
CREATED_MEANWHILE = (
    "ResourceInUseException",  # DynamoDB CreateTable
    "EntityAlreadyExists",  # IAM CreateRole
    "ResourceAlreadyExistsException",  # CloudWatch Logs CreateLogGroup
    "ResourceConflictException",  # Lambda CreateFunction, AddPermission
    "ConflictException",  # API Gateway CreateStage, CreateUsagePlanKey
)


def created_meanwhile(error: Exception) -> bool:
    return is_code(error, *CREATED_MEANWHILE)
