"""``bootstrap.clients.shared_session``: one session reused, never one made from another environment or files."""

import os

import pytest

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
