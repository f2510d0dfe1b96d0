"""The fast-fail metadata-service timeout is set only where credentials cannot come from a metadata service."""

import os

import pytest

from bootstrap import target
from bootstrap.settings import AWS, Settings
from bootstrap.target import may_use_instance_credentials

pytestmark = pytest.mark.unit


def test_ecs_task__may_use_its_container_credentials(tmp_path):
    env = {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/x"}
    assert may_use_instance_credentials(env, tmp_path)


@pytest.mark.parametrize(("name", "text"), [("sys_vendor", "Amazon EC2\n"), ("board_asset_tag", "i-0abc123\n")])
def test_ec2_instance__may_use_its_instance_profile(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    assert may_use_instance_credentials({}, tmp_path)


def test_elsewhere__no_metadata_service_to_wait_for(tmp_path):
    (tmp_path / "sys_vendor").write_text("Microsoft Corporation\n")  # a GitHub-hosted runner, a laptop
    assert not may_use_instance_credentials({}, tmp_path)


METADATA_VARIABLES = ("AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS")


class _NoCredentials:
    def get_credentials(self) -> None:
        return None


@pytest.mark.parametrize(("instance", "expected"), [(True, ("2", "3")), (False, (None, None))])
def test_aws_identity__more_metadata_time_only_where_a_metadata_service_may_answer(monkeypatch, instance, expected):
    # GIVEN no credentials anywhere, on an EC2/ECS runner or elsewhere (the variables restored after the test)
    for name in METADATA_VARIABLES:
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(target, "may_use_instance_credentials", lambda: instance)
    # WHEN the identity is asked for, THEN it fails clearly, having given the metadata service more time only there
    with pytest.raises(target.TargetError, match="no AWS credentials"):
        target.aws_identity(Settings(target=AWS, region="eu-west-1"), session=_NoCredentials())
    assert tuple(os.environ.get(name) for name in METADATA_VARIABLES) == expected
