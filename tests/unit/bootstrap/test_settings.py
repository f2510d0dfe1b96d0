"""The endpoint switch: AWS_ENDPOINT_URL (or AWS_ENDPOINT) picks an emulator; AWS only when asked for."""

import pytest

from bootstrap.settings import (
    AWS,
    DEFAULT_STACK,
    EMBEDDED,
    ENDPOINT,
    POLICY_NAME_LIMIT,
    ROLE_NAME_LIMIT,
    Names,
    Settings,
)

pytestmark = pytest.mark.unit


def test_nothing_set__embedded_emulator():
    settings = Settings.from_env({})
    assert (settings.target, settings.endpoint_url, settings.is_emulated) == (EMBEDDED, None, True)


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT"])
def test_endpoint_variable__targets_that_endpoint(variable):
    settings = Settings.from_env({variable: "http://localhost:4566"})
    assert (settings.target, settings.endpoint_url) == (ENDPOINT, "http://localhost:4566")


def test_aws_endpoint_url__wins_over_the_users_alias():
    settings = Settings.from_env({"AWS_ENDPOINT_URL": "http://a:1", "AWS_ENDPOINT": "http://b:2"})
    assert settings.endpoint_url == "http://a:1"


def test_aws_target__only_when_explicit_and_ignores_endpoint():
    settings = Settings.from_env({"HARNESS_TARGET": "aws", "AWS_ENDPOINT_URL": "http://localhost:4566"})
    assert (settings.target, settings.endpoint_url, settings.is_emulated) == (AWS, None, False)
    assert settings.ignored_endpoint_variables == ("AWS_ENDPOINT_URL",)


def test_aws_target_flag__drops_the_endpoint_and_names_what_it_ignores():
    # GIVEN the endpoint variables set, WHEN --target aws overrides the target they selected
    env = {"AWS_ENDPOINT_URL": "http://localhost:4566", "AWS_ENDPOINT_URL_STS": "http://localhost:4566"}
    settings = Settings.from_env(env).with_overrides(target=AWS)
    # THEN no endpoint is kept, and both variables are named as ignored
    assert (settings.endpoint_url, settings.ignored_endpoint_variables) == (
        None,
        ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"),
    )


def test_emulator_targets__ignore_nothing():
    assert Settings.from_env({"AWS_ENDPOINT_URL": "http://localhost:4566"}).ignored_endpoint_variables == ()


def test_overrides__none_keeps_the_environment_value():
    settings = Settings.from_env({"HARNESS_STAGE": "test"}).with_overrides(stage=None, port=4999)
    assert (settings.stage, settings.port) == ("test", 4999)


def test_default_stack__uses_the_documents_names():
    names = Names(DEFAULT_STACK, "us-east-1")
    assert (names.table, names.function, names.rest_api, names.role) == (
        "lambda-apigateway",
        "LambdaFunctionOverHttps",
        "DynamoDBOperations",
        "lambda-apigateway-role-us-east-1",  # IAM is global: the region keeps two regions' roles apart
    )


def test_role_and_policy__differ_per_region():
    # GIVEN the same stack in two regions, THEN its IAM names differ, and nothing else does
    east, west = Names("ci-1", "us-east-1"), Names("ci-1", "eu-west-1")
    assert (east.role, east.policy) == ("ci-1-role-us-east-1", "ci-1-dynamodb-and-logs-us-east-1")
    assert west.role != east.role and west.policy != east.policy
    assert (west.table, west.function, west.rest_api) == (east.table, east.function, east.rest_api)


def test_role_name__within_iams_64_characters_deterministic_and_unique():
    # GIVEN stack names long enough to push the role name past IAM's limit, differing only at the end
    first, second = "s" * 60 + "-one", "s" * 60 + "-two"
    regions = ("us-east-1", "ap-southeast-2")
    roles = {(stack, region): Names(stack, region).role for stack in (first, second) for region in regions}
    # THEN every role name fits, ends with its region, differs from the others, and is the same every time
    assert all(len(role) <= ROLE_NAME_LIMIT and role.endswith(f"-{region}") for (_, region), role in roles.items())
    assert len(set(roles.values())) == 4
    assert Names(first, "us-east-1").role == roles[(first, "us-east-1")]
    assert len(Names("p" * 200, "us-east-1").policy) <= POLICY_NAME_LIMIT


def test_other_stack__every_name_derives_from_it():
    names = Names("ci-1234")
    every = [names.table, names.function, names.role, names.policy, names.rest_api, names.api_key, names.usage_plan]
    assert all(name.startswith("ci-1234") for name in every)
    assert len(set(every)) == len(every)
