"""Every failure the API can answer, and the one place that maps SDK errors to HTTP statuses."""

from dataclasses import dataclass, field
from decimal import DecimalException

from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
from botocore.exceptions import ConnectionError as SdkConnectionError

THROTTLE_RETRY_AFTER_SECONDS = 1


@dataclass
class ApiError(Exception):
    """An error with the HTTP status and machine-readable code the caller receives."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def bad_request(message: str, code: str = "BadRequest") -> ApiError:
    return ApiError(400, code, message)


# DynamoDB error code -> (HTTP status, whether DynamoDB's own message is safe and useful to pass on).
_CLIENT_ERROR_STATUS: dict[str, tuple[int, bool]] = {
    "ValidationException": (400, True),
    "ItemCollectionSizeLimitExceededException": (400, True),
    "ConditionalCheckFailedException": (409, True),
    "TransactionConflictException": (409, True),
    "ProvisionedThroughputExceededException": (429, False),
    "ThrottlingException": (429, False),
    "RequestLimitExceeded": (429, False),
    "InternalServerError": (503, False),
    "ServiceUnavailable": (503, False),
}


# What boto3 raises for a request DynamoDB (or boto3's own serializer) refuses, or for a connection to DynamoDB
# that failed or closed without an answer even after the SDK's retries.
_UNREACHABLE = (SdkConnectionError, HTTPClientError)
SDK_ERRORS = (ClientError, ParamValidationError, DecimalException, TypeError, *_UNREACHABLE)


def from_sdk_error(error: Exception) -> ApiError:
    """Translate what boto3 raised into the answer the caller gets (never a stack trace)."""
    if isinstance(error, _UNREACHABLE):  # nothing was written that the SDK knows of; retrying may well work
        return ApiError(503, "ServiceUnavailable", "DynamoDB could not be reached; retry later", {"Retry-After": "1"})
    if isinstance(error, ParamValidationError):
        return bad_request(str(error).replace("\n", " "), "ValidationException")
    if isinstance(error, DecimalException):
        return bad_request("a number exceeds DynamoDB's 38 digits of precision", "ValidationException")
    if isinstance(error, TypeError):
        # boto3's TypeSerializer rejects values DynamoDB cannot store (for example an empty set).
        return bad_request(str(error), "ValidationException")
    assert isinstance(error, ClientError)
    code = error.response.get("Error", {}).get("Code", "")
    status, pass_message = _CLIENT_ERROR_STATUS.get(code, (500, False))
    if status == 429:
        return ApiError(
            429,
            "Throttled",
            "DynamoDB is throttling requests; retry after a short wait",
            {"Retry-After": str(THROTTLE_RETRY_AFTER_SECONDS)},
        )
    if status == 409 and code == "ConditionalCheckFailedException":
        return ApiError(409, code, "the condition expression evaluated to false; nothing was written")
    if pass_message:
        return ApiError(status, code, error.response["Error"].get("Message", code))
    if status == 503:
        return ApiError(503, "ServiceUnavailable", "DynamoDB is unavailable; retry later", {"Retry-After": "1"})
    return ApiError(500, "InternalError", "the request could not be completed")
