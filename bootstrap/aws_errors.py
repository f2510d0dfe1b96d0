"""Small helpers for reading boto3's ClientError by code (never by message text alone)."""

from collections.abc import Callable

from botocore.exceptions import ClientError

from bootstrap.report import Outcome


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


def delete_or_absent(delete: Callable[[], object], *not_found: str) -> tuple[None, Outcome]:
    """Run ``delete``: DELETED once it returns, ABSENT if it fails with one of the ``not_found`` codes (there was
    nothing by that name, so nothing to do). Any other error is raised."""
    try:
        delete()
    except ClientError as error:
        if not is_code(error, *not_found):
            raise
        return None, Outcome.ABSENT
    return None, Outcome.DELETED
