"""IAM is global: the same stack in two regions has two roles, and neither region's down touches the other's."""

import io
from dataclasses import replace

import pytest

from bootstrap import iam
from bootstrap.clients import Clients
from bootstrap.report import Outcome, Progress
from bootstrap.settings import AWS, Settings
from harness_cli import lifecycle

pytestmark = pytest.mark.unit


def test_same_stack_in_two_regions__down_in_one_keeps_the_others_role(moto_aws, tmp_path):
    # GIVEN one stack name up in two regions of the same account
    east = Settings(target=AWS, stack_name="twice", region="us-east-1", state_dir=tmp_path / "east")
    west = replace(east, region="eu-west-1", state_dir=tmp_path / "west")
    east_outputs = lifecycle.up(east, Progress(io.StringIO()))
    lifecycle.up(west, Progress(io.StringIO()))
    assert east.names.role != west.names.role
    # WHEN the stack is taken down in one region
    progress = Progress(io.StringIO())
    lifecycle.down(west, progress)
    # THEN that region's role is gone, and the other's is intact with its own policy, still for its own table
    assert progress.outcomes["role"] is Outcome.DELETED
    roles = Clients(east)("iam")
    assert roles.get_role(RoleName=east.names.role)["Role"]["Arn"] == east_outputs["role_arn"]
    policy = iam.read_inline_policy(roles, east.names.role, east.names.policy)
    assert policy["Statement"][0]["Resource"].startswith("arn:aws:dynamodb:us-east-1:")
