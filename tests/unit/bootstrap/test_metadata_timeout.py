"""The fast-fail metadata-service timeout is set only where credentials cannot come from a metadata service."""

import pytest

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
