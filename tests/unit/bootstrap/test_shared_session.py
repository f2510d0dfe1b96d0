"""``bootstrap.clients.shared_session``: one session reused, never one made from another environment or files."""

import os

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber

from bootstrap.clients import shared_session

pytestmark = pytest.mark.unit


@pytest.fixture
def home(tmp_path, monkeypatch):
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".aws").mkdir()
    return tmp_path


def _region(home, region: str) -> None:
    (home / ".aws" / "config").write_text(f"[default]\nregion = {region}\n")


def test_same_environment__the_same_session(home):
    _region(home, "eu-west-1")
    assert shared_session() is shared_session()


def test_another_home_or_a_rewritten_config__a_session_that_reads_it(home, tmp_path_factory, monkeypatch):
    _region(home, "eu-west-1")
    assert shared_session().region_name == "eu-west-1"
    # another home folder, same AWS_* environment
    other = tmp_path_factory.mktemp("other-home")
    (other / ".aws").mkdir()
    _region(other, "ap-south-1")
    monkeypatch.setenv("HOME", str(other))
    assert shared_session().region_name == "ap-south-1"
    # the same file rewritten, nothing else changed
    (other / ".aws" / "config").write_text("[default]\nregion = us-west-2\n# rewritten\n")
    assert shared_session().region_name == "us-west-2"


def test_another_profile__another_session(home, monkeypatch):
    (home / ".aws" / "config").write_text("[default]\nregion = eu-west-1\n[profile b]\nregion = sa-east-1\n")
    first = shared_session()
    monkeypatch.setenv("AWS_PROFILE", "b")
    assert shared_session() is not first and shared_session().region_name == "sa-east-1"


def test_client_classes_shared__per_session_handlers_and_each_client_keeps_its_own_events(home, monkeypatch):
    """tests/conftest.py shares client classes and models process-wide (share_client_classes_process_wide)."""
    _region(home, "eu-west-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no credentials anywhere, and no look on the network
    session = boto3.session.Session()
    first, second = session.client("dynamodb"), session.client("dynamodb")
    assert type(first) is type(second) and first.meta.service_model is second.meta.service_model
    # another session, another set of handlers: its own class (a handler may add methods to the class)
    assert type(boto3.session.Session().client("dynamodb")) is not type(first)
    # what a test attaches to one client (a Stubber, say) stays on that client
    with Stubber(first) as stubbed:
        stubbed.add_response("list_tables", {"TableNames": ["only-the-stubbed-client"]})
        assert first.list_tables()["TableNames"] == ["only-the-stubbed-client"]
        assert first.meta.events is not second.meta.events
        with pytest.raises(botocore.exceptions.NoCredentialsError):
            second.list_tables()  # not stubbed: it goes on to sign the request, and finds no credentials
