"""Where the stack goes: the embedded emulator, an explicit endpoint (Compose LocalStack), or real AWS."""

import os
from dataclasses import dataclass
from functools import cached_property

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from bootstrap import partition as partitions
from bootstrap.clients import Clients, shared_session
from bootstrap.region import FALLBACK as REGION_FALLBACK
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, EMBEDDED, Settings
from local_runtime import emulators
from local_runtime.emulators.process import answers_health

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


def endpoint_reachable(url: str) -> bool:
    """LocalStack and MiniStack both answer LocalStack's health path."""
    return answers_health(url.rstrip("/") + "/_localstack/health", timeout=3)


def aws_identity(settings: Settings, session: boto3.session.Session | None = None) -> tuple[str, str]:
    """(account, caller ARN) of the current credentials, asked of AWS's own STS (never a configured endpoint),
    failing fast (no long metadata-service waits, few retries)."""
    os.environ.setdefault("AWS_METADATA_SERVICE_TIMEOUT", "1")
    os.environ.setdefault("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "1")
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
    sts = Clients(settings, session=session)("sts", config=_FAIL_FAST)
    try:
        identity = sts.get_caller_identity()
        return identity["Account"], identity["Arn"]
    except BotoConnectionError as error:
        raise TargetError(f"cannot reach AWS STS at {sts.meta.endpoint_url}: {error}") from error
    except (ClientError, BotoCoreError) as error:
        raise TargetError(f"AWS credentials were found but do not work: {error}") from error


def resolve(settings: Settings, progress: Progress, start_emulator: bool = True) -> Target:
    """Reach the target, starting the embedded emulator when that is the target and ``start_emulator``."""
    if settings.target == AWS:
        account, caller = aws_identity(settings)
        return Target(settings, None, account, partition=partitions.of_arn(caller))
    if settings.target == EMBEDDED:
        record = emulators.running(settings)
        if record is None and start_emulator:
            record = progress.step("emulator", settings.emulator, lambda: _start(settings))
        elif record is not None:
            progress.record("emulator", f"{record.name} {record.endpoint_url}", Outcome.REUSED)
        if record is None:
            raise TargetError(f"no {settings.emulator} running for this project; run './harness up'")
        endpoint, emulator = record.endpoint_url, record.name
    else:
        endpoint, emulator = settings.endpoint_url or "", None
        if not endpoint_reachable(endpoint):
            raise TargetError(f"no emulator answering at {endpoint} (is 'docker compose up' running?)")
    identity = Clients(settings, endpoint_url=endpoint)("sts").get_caller_identity()
    arn = identity.get("Arn")
    caller_partition = partitions.of_arn(arn) if arn else partitions.of_region(settings.region)
    return Target(settings, endpoint, identity["Account"], emulator, caller_partition)


def _start(settings: Settings) -> tuple[emulators.EmulatorRecord, Outcome]:
    record, started = emulators.start(settings)
    return record, Outcome.STARTED if started else Outcome.REUSED
