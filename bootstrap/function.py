"""The Lambda function: created once, updated only when code or settings change."""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from bootstrap.aws_errors import created_meanwhile, delete_or_absent, is_code
from bootstrap.client_types import LambdaClient, WaiterConfigTypeDef
from bootstrap.package import code_sha256
from bootstrap.report import Outcome

RUNTIME = "python3.12"
HANDLER = "handler.app.lambda_handler"
# Emulators settle in milliseconds; AWS in seconds. A short delay costs AWS only a few extra polls.
# A float delay: botocore sleeps it as given (the stubs' int is the API model's).
WAITER: WaiterConfigTypeDef = {"Delay": 0.2, "MaxAttempts": 600}  # type: ignore[typeddict-item]
# A new role is not assumable by Lambda for a few seconds on AWS (IAM is eventually consistent).
ROLE_PROPAGATION_TIMEOUT_S = 60.0
ROLE_PROPAGATION_RETRY_S = 2.0
T = TypeVar("T")


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    role_arn: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]
    tags: dict[str, str]

    def configuration(self) -> dict[str, Any]:
        """The fields we own, in the shape Create/UpdateFunctionConfiguration take."""
        return {
            "Role": self.role_arn,
            "Handler": HANDLER,
            "Runtime": RUNTIME,
            "MemorySize": self.memory_mb,
            "Timeout": self.timeout_s,
            "Environment": {"Variables": dict(self.environment)},
        }


def _drifted(current: Mapping[str, Any], wanted: dict[str, Any]) -> bool:
    current_env = current.get("Environment", {}).get("Variables", {})
    if current_env != wanted["Environment"]["Variables"]:
        return True
    return any(current.get(key) != value for key, value in wanted.items() if key != "Environment")


def _role_not_ready(error: ClientError) -> bool:
    message = error.response.get("Error", {}).get("Message", "")
    return is_code(error, "InvalidParameterValueException") and "role" in message.lower()


def _while_role_not_assumable(call: Callable[[], T], role_arn: str, sleep: Callable[[float], None]) -> T:
    """``call``, retried (bounded) while Lambda says the role cannot be assumed yet: a brand-new role (or one just
    given to the function) takes a few seconds to propagate through IAM."""
    deadline = time.monotonic() + ROLE_PROPAGATION_TIMEOUT_S
    while True:
        try:
            return call()
        except ClientError as error:
            if not _role_not_ready(error):
                raise
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"role {role_arn} was still not assumable by Lambda after "
                    f"{ROLE_PROPAGATION_TIMEOUT_S:.0f} s (IAM propagation); re-run 'up'"
                ) from error
            sleep(ROLE_PROPAGATION_RETRY_S)


def create_with_role_retry(
    lambda_client: LambdaClient, spec: FunctionSpec, code: bytes, sleep: Callable[[float], None] = time.sleep
) -> Mapping[str, Any]:
    """CreateFunction, retried (bounded) while AWS says the brand-new role cannot be assumed yet."""

    def create() -> Mapping[str, Any]:
        created: Mapping[str, Any] = lambda_client.create_function(
            FunctionName=spec.name, Code={"ZipFile": code}, Publish=False, Tags=spec.tags, **spec.configuration()
        )
        return created

    return _while_role_not_assumable(create, spec.role_arn, sleep)


def update_configuration_with_role_retry(
    lambda_client: LambdaClient, spec: FunctionSpec, sleep: Callable[[float], None] = time.sleep
) -> None:
    """UpdateFunctionConfiguration, retried like CreateFunction: adopting a function always gives it our new role."""
    _while_role_not_assumable(
        lambda: lambda_client.update_function_configuration(FunctionName=spec.name, **spec.configuration()),
        spec.role_arn,
        sleep,
    )


def ensure_function(
    lambda_client: LambdaClient, spec: FunctionSpec, code: bytes, sleep: Callable[[float], None] = time.sleep
) -> tuple[Mapping[str, Any], Outcome]:
    """The function, Active and fully Updated. Returns its configuration."""
    try:
        current = lambda_client.get_function(FunctionName=spec.name)["Configuration"]
    except ClientError as error:
        if not is_code(error, "ResourceNotFoundException"):
            raise
        try:
            create_with_role_retry(lambda_client, spec, code, sleep)
        except ClientError as meanwhile:
            if not created_meanwhile(meanwhile):
                raise
            current = lambda_client.get_function(FunctionName=spec.name)["Configuration"]
        else:
            lambda_client.get_waiter("function_active_v2").wait(FunctionName=spec.name, WaiterConfig=WAITER)
            return lambda_client.get_function(FunctionName=spec.name)["Configuration"], Outcome.CREATED
    outcome = Outcome.UNCHANGED
    _wait_ready(lambda_client, spec.name, current)
    if current.get("CodeSha256") != code_sha256(code):
        lambda_client.update_function_code(FunctionName=spec.name, ZipFile=code)
        _wait_updated(lambda_client, spec.name)
        outcome = Outcome.UPDATED
    if _drifted(current, spec.configuration()):
        update_configuration_with_role_retry(lambda_client, spec, sleep)
        _wait_updated(lambda_client, spec.name)
        outcome = Outcome.UPDATED
    if outcome is Outcome.UPDATED:
        current = lambda_client.get_function(FunctionName=spec.name)["Configuration"]
    return current, outcome


def _wait_ready(lambda_client: LambdaClient, name: str, current: Mapping[str, Any]) -> None:
    """Lambda refuses changes (ResourceConflictException) to a function still Pending (an ``up`` interrupted
    right after CreateFunction) or mid-update: wait for Active first, then for the last update to finish."""
    pending = current.get("State") == "Pending"
    if pending:
        lambda_client.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig=WAITER)
    if pending or current.get("LastUpdateStatus") == "InProgress":
        _wait_updated(lambda_client, name)


def _wait_updated(lambda_client: LambdaClient, name: str) -> None:
    lambda_client.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig=WAITER)


def delete_function(lambda_client: LambdaClient, name: str) -> tuple[None, Outcome]:
    return delete_or_absent(lambda: lambda_client.delete_function(FunctionName=name), "ResourceNotFoundException")


def read_tags(lambda_client: LambdaClient, name: str) -> dict[str, str] | None:
    """The function's tags (ListTags on its ARN), or None if there is no such function."""
    try:
        arn = lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    except ClientError as error:
        if is_code(error, "ResourceNotFoundException"):
            return None
        raise
    return dict(lambda_client.list_tags(Resource=arn).get("Tags", {}))


def tag_function(lambda_client: LambdaClient, name: str, tags: dict[str, str]) -> None:
    arn = lambda_client.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lambda_client.tag_resource(Resource=arn, Tags=tags)
