"""Where the stack goes: an emulator's endpoint (embedded, Compose, testcontainers) or real AWS.

The bootstrap is handed a ``Target`` and creates or deletes resources on it; it never starts an emulator. The
command line (``harness_cli/lifecycle.py``) starts what runs locally, then ``connect``s to it.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from bootstrap import partition as partitions
from bootstrap.client_types import STSClient
from bootstrap.clients import Clients, shared_session
from bootstrap.region import FALLBACK as REGION_FALLBACK
from bootstrap.settings import AWS, Settings

_DMI = Path("/sys/devices/virtual/dmi/id")
# Where credentials may come from a metadata service: more time than botocore's default single 1 s try.
INSTANCE_METADATA_TIMEOUT_S, INSTANCE_METADATA_ATTEMPTS = 2, 3
_CONTAINER_CREDENTIAL_VARIABLES = ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI")
# The identity check is the first call to AWS: say at once when it cannot be reached.
_FAIL_FAST = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=20)


class TargetError(RuntimeError):
    """The target cannot be used (nothing answering, no credentials, ...)."""


@dataclass(frozen=True)
class Target:
    settings: Settings
    endpoint_url: str | None
    account_id: str
    emulator: str | None = None  # the embedded emulator actually answering (it may differ from the setting)
    # From the caller's ARN: aws, aws-cn, aws-us-gov, ... Every ARN and host name the stack builds uses it.
    partition: str = "aws"

    @property
    def public_endpoint_url(self) -> str | None:
        """The endpoint as the user's machine reaches it."""
        return self.settings.public_endpoint_url or self.endpoint_url

    def clients(self) -> Clients:
        """This target's clients: one per service, made on first use and shared by every step of a command (an
        ``up`` made most of them twice and Lambda's three times, ~4 ms each: a no-op ``up`` took 0.168 s of CPU
        then, 0.137 s now)."""
        return self._clients

    @cached_property
    def _clients(self) -> Clients:
        return Clients(self.settings, endpoint_url=self.endpoint_url)

    def for_stack(self, stack_name: str) -> "Target":
        """The same endpoint, account and partition, for another stack's names (``sweep``)."""
        return replace(self, settings=self.settings.with_overrides(stack_name=stack_name))

    def arn(self, service: str, resource: str, account: str | None = None) -> str:
        """An ARN in this target's partition and region; ``account`` defaults to the caller's."""
        owner = self.account_id if account is None else account
        return f"arn:{self.partition}:{service}:{self.settings.region}:{owner}:{resource}"

    def integration_uri(self, function_arn: str) -> str:
        """What API Gateway calls to invoke the function (an AWS_PROXY integration's ``uri``)."""
        return self.arn("apigateway", f"path/2015-03-31/functions/{function_arn}/invocations", account="lambda")

    def invoke_url(self, api_id: str, path: str) -> str:
        """The URL a client POSTs to: the partition's execute-api host on AWS, or the emulators' path form."""
        stage = self.settings.stage
        if self.settings.target == AWS:
            return f"https://{api_id}.{partitions.execute_api_host(self.settings.region)}/{stage}/{path}"
        return f"{self.public_endpoint_url}/_aws/execute-api/{api_id}/{stage}/{path}"


def may_use_instance_credentials(environ: Mapping[str, str] = os.environ, dmi: Path = _DMI) -> bool:
    """Whether credentials may come from a metadata service: an ECS task (its container-credentials variables) or
    an EC2 instance (its DMI vendor or asset tag, which EC2 CI runners have). There botocore's single 1 s try can
    lose them on a busy machine."""
    if any(environ.get(name) for name in _CONTAINER_CREDENTIAL_VARIABLES):
        return True
    return "amazon" in _read(dmi / "sys_vendor").lower() or _read(dmi / "board_asset_tag").startswith("i-")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def aws_identity(settings: Settings, session: boto3.session.Session | None = None) -> tuple[str, str]:
    """(account, caller ARN) of the current credentials, asked of AWS's own STS (never a configured endpoint),
    failing fast where no metadata service can answer (botocore's own default: one try of 1 s)."""
    if may_use_instance_credentials():  # a busy EC2 or ECS runner's metadata service may miss one 1 s try
        os.environ.setdefault("AWS_METADATA_SERVICE_TIMEOUT", str(INSTANCE_METADATA_TIMEOUT_S))
        os.environ.setdefault("AWS_METADATA_SERVICE_NUM_ATTEMPTS", str(INSTANCE_METADATA_ATTEMPTS))
    session = session or shared_session()
    if session.get_credentials() is None:
        raise TargetError(
            "no AWS credentials found: set AWS_PROFILE, run 'aws sso login', or export AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY (or use the embedded emulator: leave --target unset)"
        )
    if settings.region_source == REGION_FALLBACK:
        raise TargetError(
            "no AWS region: set AWS_REGION, pass --region, or give your profile a region "
            "('aws configure set region eu-west-1'), as the AWS CLI needs"
        )
    sts: STSClient = Clients(settings, session=session)("sts", config=_FAIL_FAST)
    try:
        identity = sts.get_caller_identity()
        return identity["Account"], identity["Arn"]
    except BotoConnectionError as error:
        raise TargetError(f"cannot reach AWS STS at {sts.meta.endpoint_url}: {error}") from error
    except (ClientError, BotoCoreError) as error:
        raise TargetError(f"AWS credentials were found but do not work: {error}") from error


def connect(settings: Settings, endpoint_url: str | None = None, emulator: str | None = None) -> Target:
    """The target ``settings`` name, reached: real AWS (its identity from AWS's STS), or the emulator answering at
    ``endpoint_url`` (``emulator``: which embedded one, when the harness started it)."""
    if settings.target == AWS:
        account, caller = aws_identity(settings)
        return Target(settings, None, account, partition=partitions.of_arn(caller))
    identity = Clients(settings, endpoint_url=endpoint_url)("sts").get_caller_identity()
    arn = identity.get("Arn")
    caller_partition = partitions.of_arn(arn) if arn else partitions.of_region(settings.region)
    return Target(settings, endpoint_url, identity["Account"], emulator, caller_partition)
