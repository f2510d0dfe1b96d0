"""`--target aws` talks to AWS: no configured endpoint (AWS_ENDPOINT_URL, the config file's endpoint_url)
redirects a client, the STS identity check included. Nothing here leaves the process."""

import boto3
import pytest
from botocore.config import Config

from bootstrap.clients import Clients
from bootstrap.settings import AWS, ENDPOINT, Settings
from bootstrap.target import TargetError, aws_identity
from harness_cli import __main__ as cli
from harness_cli import common
from local_runtime.localstack.versions import SERVICES

pytestmark = pytest.mark.unit
EMULATOR = "http://127.0.0.1:9"


class Stop(Exception):
    """Raised by the before-send hook: the request was built, and goes no further."""


@pytest.fixture
def configured_endpoints(aws_env, monkeypatch, tmp_path) -> None:
    """Every way botocore learns an endpoint by itself, all pointing at a local emulator."""
    config = tmp_path / "config"
    config.write_text(f"[default]\nendpoint_url = {EMULATOR}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ENDPOINT_URL", EMULATOR)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", EMULATOR)


class RecordingSession:
    """A boto3 session that remembers the config each client was made with (botocore does not keep the flag)."""

    def __init__(self) -> None:
        self.real, self.configs = boto3.session.Session(), {}

    def client(self, service: str, **kwargs):
        self.configs[service] = kwargs.get("config")
        return self.real.client(service, **kwargs)


@pytest.mark.parametrize("service", SERVICES)
def test_aws_clients__ignore_configured_endpoints(configured_endpoints, service):
    # GIVEN endpoints configured in the environment and the config file, WHEN a client is made for real AWS
    session = RecordingSession()
    client = Clients(Settings(target=AWS), session=session)(service)
    # THEN it is made to ignore them, and talks to AWS's own endpoint
    assert session.configs[service].ignore_configured_endpoint_urls is True
    assert client.meta.endpoint_url.startswith("https://") and client.meta.endpoint_url.endswith(".amazonaws.com")


def test_aws_clients__a_callers_config_cannot_undo_it(configured_endpoints):
    session = RecordingSession()
    Clients(Settings(target=AWS), session=session)("sts", config=Config(ignore_configured_endpoint_urls=False))
    assert session.configs["sts"].ignore_configured_endpoint_urls is True


def test_emulator_clients__use_the_emulator(configured_endpoints):
    client = Clients(Settings(target=ENDPOINT, endpoint_url="http://127.0.0.1:4599"))("dynamodb")
    assert client.meta.endpoint_url == "http://127.0.0.1:4599"


def test_aws_identity__asks_aws_sts_not_the_configured_endpoint(configured_endpoints):
    # GIVEN a session whose every request is recorded and stopped before it is sent
    urls: list[str] = []

    def record_and_stop(request, **_kwargs):
        urls.append(request.url)
        raise Stop

    session = boto3.session.Session()
    session.events.register("before-send.sts.GetCallerIdentity", record_and_stop)
    # WHEN the real-AWS identity check runs
    with pytest.raises(Stop):
        aws_identity(Settings(target=AWS, region="eu-west-1"), session=session)
    # THEN its one request went to AWS's STS
    assert urls == ["https://sts.eu-west-1.amazonaws.com/"]


def test_cli_aws_target__says_the_endpoint_variable_is_ignored(configured_endpoints, monkeypatch, capsys):
    # GIVEN HARNESS_TARGET=aws with AWS_ENDPOINT_URL set, and an identity check that fails (no AWS here)
    monkeypatch.setenv("HARNESS_TARGET", AWS)

    def unreachable(_settings, _session=None):
        raise TargetError("cannot reach AWS STS")

    monkeypatch.setattr(common, "aws_identity", unreachable)
    # WHEN up runs
    code = cli.main(["up", "--yes"])
    # THEN it says which variables it ignores before anything else, and stops with one line
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == (
        "note: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS are set but ignored: --target aws talks to AWS"
    )
    assert (code, captured.err) == (2, "error: cannot reach AWS STS\n")
