"""Lambda entry point: API Gateway proxy events and the documents' direct-invocation events alike."""

import os
import sys
import time
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from botocore.config import Config

from handler import codec, request
from handler.dynamo import Table
from handler.errors import SDK_ERRORS, ApiError, from_sdk_error
from handler.operations import OPERATIONS

TABLE_NAME = os.environ["TABLE_NAME"]
# stderr: AWS sends both streams to CloudWatch; emulators read stdout for their own protocol.
logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "dynamodb-manager"), stream=sys.stderr)
_config = Config(retries={"mode": "standard", "total_max_attempts": int(os.environ.get("DDB_MAX_ATTEMPTS", "3"))})
table = Table(boto3.client("dynamodb", config=_config), TABLE_NAME)
_UNEXPECTED = ApiError(500, "InternalError", "the request could not be completed")


def _is_proxy_event(event: Any) -> bool:
    return isinstance(event, dict) and "requestContext" in event and "httpMethod" in event


def _proxy_response(status: int, body: Any, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **headers},
        "body": codec.encode(body),
    }


def _error_body(error: ApiError, context: Any) -> dict[str, Any]:
    return {"error": {"code": error.code, "message": error.message, "requestId": context.aws_request_id}}


def _run(document: Any) -> Any:
    if isinstance(document, dict) and isinstance(document.get("operation"), str):
        logger.append_keys(operation=document["operation"])
    parsed = request.parse(document, TABLE_NAME)
    try:
        return OPERATIONS[parsed.operation](table, parsed.payload)
    except SDK_ERRORS as error:
        raise from_sdk_error(error) from error


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: Any, context: Any) -> Any:
    """Run one operation. Proxy events get an HTTP response; direct events get the result or raise."""
    started = time.perf_counter()
    if not _is_proxy_event(event):
        return _run(event)
    status, headers = 200, {}
    try:
        body = _run(request.from_proxy_body(event.get("body"), bool(event.get("isBase64Encoded"))))
    except ApiError as error:
        status, headers, body = error.status, error.headers, _error_body(error, context)
    except Exception:
        # The last line of defence: the stack trace goes to the log, never to the caller.
        logger.exception("unexpected failure")
        status, body = 500, _error_body(_UNEXPECTED, context)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    (logger.warning if status >= 500 else logger.info)("request done", status=status, duration_ms=elapsed_ms)
    return _proxy_response(status, body, headers)
