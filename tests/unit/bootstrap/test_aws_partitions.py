"""Issue 14, points 1 and 10: every ARN and host name in the caller's partition (aws, aws-cn, aws-us-gov), and
the region taken as the AWS CLI takes it (variables, then the profile; us-east-1 only for emulators)."""

import io
import json

import pytest

from bootstrap import partition, target
from bootstrap.clients import Clients
from bootstrap.region import FALLBACK, region_from_env
from bootstrap.report import Progress
from bootstrap.settings import AWS, Settings
from bootstrap.target import Target, TargetError
from harness_cli import __main__ as cli
from harness_cli import common, lifecycle

pytestmark = pytest.mark.unit
FUNCTION = "arn:{p}:lambda:{r}:111122223333:function:f"
PARTITIONS = [
    ("us-east-1", "aws", "execute-api.us-east-1.amazonaws.com"),
    ("cn-north-1", "aws-cn", "execute-api.cn-north-1.amazonaws.com.cn"),
    ("us-gov-west-1", "aws-us-gov", "execute-api.us-gov-west-1.amazonaws.com"),
]


@pytest.mark.parametrize(("region", "name", "host"), PARTITIONS, ids=[p for _, p, _ in PARTITIONS])
def test_target__builds_arns_and_invoke_url_in_its_partition(region, name, host):
    # GIVEN a real-AWS target whose caller is in this partition
    aws = Target(Settings(target=AWS, region=region), None, "111122223333", partition=name)
    function_arn = FUNCTION.format(p=name, r=region)
    # THEN the log group ARN, the integration URI, the permission's SourceArn and the invoke URL all name it
    assert (
        aws.arn("logs", "log-group:/aws/lambda/f") == f"arn:{name}:logs:{region}:111122223333:log-group:/aws/lambda/f"
    )
    assert aws.integration_uri(function_arn) == (
        f"arn:{name}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    )
    assert aws.arn("execute-api", "a1/*/POST/DynamoDBManager").startswith(f"arn:{name}:execute-api:{region}:")
    assert aws.invoke_url("a1", "DynamoDBManager") == f"https://a1.{host}/dev/DynamoDBManager"
    assert partition.of_region(region) == name


def test_resolve_aws__takes_the_partition_from_the_callers_arn(monkeypatch):
    # GIVEN credentials whose STS identity is in AWS GovCloud
    monkeypatch.setattr(target, "aws_identity", lambda _s: ("1", "arn:aws-us-gov:sts::1:assumed-role/ci/run"))
    # WHEN the target is resolved, THEN it is in that partition
    resolved = lifecycle.resolve(Settings(target=AWS, region="us-gov-west-1"), Progress(io.StringIO()))
    assert resolved.partition == "aws-us-gov"


def test_up_in_aws_cn__every_arn_the_stack_writes_is_aws_cn(moto_aws, tmp_path):
    # GIVEN moto answering in China (its STS names the caller arn:aws-cn:...)
    settings = Settings(target=AWS, stack_name="part", region="cn-north-1", state_dir=tmp_path)
    # WHEN up runs
    said = io.StringIO()
    outputs = lifecycle.up(settings, Progress(said))
    # THEN it says before deploying that China's API Gateway refuses such an API without an ICP recordal
    assert "ICP recordal" in said.getvalue().split("table ")[0]
    # AND the inline policy, the permission, the integration and the URL are all in aws-cn / amazonaws.com.cn
    clients = Clients(settings)
    policy = clients("iam").get_role_policy(RoleName=settings.names.role, PolicyName=settings.names.policy)
    assert [s["Resource"].split(":")[1] for s in policy["PolicyDocument"]["Statement"]] == ["aws-cn", "aws-cn"]
    permission = json.loads(clients("lambda").get_policy(FunctionName=settings.names.function)["Policy"])
    source_arn = permission["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"]
    assert source_arn.startswith("arn:aws-cn:execute-api:cn-north-1:")
    apigw = clients("apigateway")
    resource = next(r for r in apigw.get_resources(restApiId=outputs["rest_api_id"])["items"] if r["path"] != "/")
    uri = apigw.get_integration(restApiId=outputs["rest_api_id"], resourceId=resource["id"], httpMethod="POST")["uri"]
    assert uri.startswith("arn:aws-cn:apigateway:cn-north-1:lambda:path/")
    assert outputs["api_url"].endswith(".execute-api.cn-north-1.amazonaws.com.cn/dev/DynamoDBManager")
    assert outputs["partition"] == "aws-cn"


@pytest.fixture
def aws_config(tmp_path):
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-3\n\n[profile dev]\nregion = ap-south-1\n\n[profile bare]\n")
    return str(config)


@pytest.mark.parametrize(
    ("env", "region", "source"),
    [
        ({}, "eu-west-3", "profile default"),
        ({"AWS_PROFILE": "dev"}, "ap-south-1", "profile dev"),
        ({"AWS_PROFILE": "dev", "AWS_DEFAULT_REGION": "sa-east-1"}, "sa-east-1", "AWS_DEFAULT_REGION"),
        ({"AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "sa-east-1"}, "eu-north-1", "AWS_REGION"),
        ({"AWS_PROFILE": "bare"}, "us-east-1", FALLBACK),
        ({"AWS_PROFILE": "no-such-profile"}, "us-east-1", FALLBACK),
    ],
    ids=["default-profile", "named-profile", "default-region-variable", "region-variable", "no-region", "no-profile"],
)
def test_region__variables_then_the_profile_then_us_east_1(aws_config, env, region, source):
    assert region_from_env({"AWS_CONFIG_FILE": aws_config, **env}) == (region, source)
    assert Settings.from_env({"AWS_CONFIG_FILE": aws_config, **env}).region == region


def test_aws_without_any_region__refuses_as_the_aws_cli_does(aws_env, monkeypatch, tmp_path, capsys):
    # GIVEN credentials but no region anywhere (no variable, a profile without one)
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(variable)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    # WHEN up targets AWS, THEN it stops before any call, saying how to name one (emulators would use us-east-1)
    assert cli.main(["up", "--target", "aws", "--yes"]) == 2
    assert capsys.readouterr().err.startswith("error: no AWS region: set AWS_REGION, pass --region")
    with pytest.raises(TargetError, match="no AWS region"):
        target.aws_identity(Settings.from_env().with_overrides(target=AWS))


def test_aws_confirmation__says_where_the_region_came_from(aws_env, monkeypatch, capsys, aws_config):
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(variable)
    monkeypatch.setenv("AWS_CONFIG_FILE", aws_config)
    monkeypatch.setattr(common, "aws_identity", lambda _s: ("1", "arn:aws:iam::1:user/me"))
    monkeypatch.setattr(common.sys.stdin, "isatty", lambda: False)
    assert cli.main(["down", "--target", "aws"]) == 2  # no --yes and no terminal: refused after saying where
    assert "account 1, region eu-west-3 (from profile default)" in capsys.readouterr().out
