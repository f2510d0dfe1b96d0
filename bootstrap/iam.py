"""The function's execution role: trusted by Lambda, allowed exactly what the handler does and no more."""

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from bootstrap.aws_errors import created_meanwhile, delete_or_absent, is_code
from bootstrap.client_types import IAMClient
from bootstrap.report import Outcome

# Exactly the calls handler/operations.py makes (the documents also granted Query, which it never uses).
HANDLER_DYNAMODB_ACTIONS = sorted(
    ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Scan"]
)
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
# Every role the harness creates lives under this IAM path, so a deployer's policy can name exactly them (a path,
# unlike a name pattern, cannot be given to an existing role afterwards).
ROLE_PATH = "/dynamodb-manager-harness/"
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def execution_policy(table_arn: str, log_group_arn: str) -> dict[str, Any]:
    """Least privilege: the handler's five item actions on this table only, and logs on its own log group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "TableItems", "Effect": "Allow", "Action": HANDLER_DYNAMODB_ACTIONS, "Resource": table_arn},
            {"Sid": "OwnLogs", "Effect": "Allow", "Action": LOG_ACTIONS, "Resource": f"{log_group_arn}:*"},
        ],
    }


def _as_dict(document: Any) -> dict[str, Any]:
    """IAM returns policy documents parsed by botocore, or as JSON text on some emulators."""
    parsed: dict[str, Any] = json.loads(document) if isinstance(document, str) else document
    return parsed


def _boundary(boundary: str | None) -> dict[str, Any]:
    return {"PermissionsBoundary": boundary} if boundary else {}


def ensure_role(
    iam: IAMClient,
    role_name: str,
    policy_name: str,
    policy: dict[str, Any],
    tags: dict[str, str],
    boundary: str | None = None,
) -> tuple[Mapping[str, Any], Outcome]:
    """The role with exactly ``policy`` inline and no managed policies, and ``boundary`` (a managed policy's ARN) as
    its permissions boundary when given. Returns the role description."""
    try:
        role = iam.get_role(RoleName=role_name)["Role"]
        outcome = Outcome.UNCHANGED
    except ClientError as error:
        if not is_code(error, "NoSuchEntity"):
            raise
        try:
            role = iam.create_role(
                RoleName=role_name,
                Path=ROLE_PATH,
                AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
                Description="Execution role of the DynamoDBManager function (harness-managed)",
                Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
                **_boundary(boundary),
            )["Role"]
            outcome = Outcome.CREATED
        except ClientError as meanwhile:
            if not created_meanwhile(meanwhile):
                raise
            role, outcome = iam.get_role(RoleName=role_name)["Role"], Outcome.UNCHANGED
    if boundary and role.get("PermissionsBoundary", {}).get("PermissionsBoundaryArn") != boundary:
        iam.put_role_permissions_boundary(RoleName=role_name, PermissionsBoundary=boundary)
        outcome = outcome.after_change()
    if _as_dict(role.get("AssumeRolePolicyDocument", TRUST_POLICY)) != TRUST_POLICY:
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(TRUST_POLICY))
        outcome = outcome.after_change()
    if read_inline_policy(iam, role_name, policy_name) != policy:
        iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(policy))
        outcome = outcome.after_change()
    return role, outcome


def read_inline_policy(iam: IAMClient, role_name: str, policy_name: str) -> dict[str, Any] | None:
    try:
        return _as_dict(iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"])
    except ClientError as error:
        if is_code(error, "NoSuchEntity"):
            return None
        raise


def delete_role(iam: IAMClient, role_name: str) -> tuple[None, Outcome]:
    """Remove the role's policies, then the role."""

    def policies_then_role() -> None:
        for policy_name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=role_name, PolicyName=policy_name)
        for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=role_name, PolicyArn=attached["PolicyArn"])
        iam.delete_role(RoleName=role_name)

    return delete_or_absent(policies_then_role, "NoSuchEntity")


def read_tags(iam: IAMClient, role_name: str) -> dict[str, str] | None:
    """The role's tags (ListRoleTags), or None if there is no such role."""
    try:
        pages = iam.get_paginator("list_role_tags").paginate(RoleName=role_name)
        return {tag["Key"]: tag["Value"] for page in pages for tag in page.get("Tags", [])}
    except ClientError as error:
        if is_code(error, "NoSuchEntity"):
            return None
        raise


def tag_role(iam: IAMClient, role_name: str, tags: dict[str, str]) -> None:
    iam.tag_role(RoleName=role_name, Tags=[{"Key": key, "Value": value} for key, value in tags.items()])
