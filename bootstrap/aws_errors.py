"""Small helpers for reading boto3's ClientError by code (never by message text alone)."""

from botocore.exceptions import ClientError


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def is_code(error: Exception, *codes: str) -> bool:
    return isinstance(error, ClientError) and error_code(error) in codes
