"""The IAM half of the extension: calls signed by a role session are checked against the role's policies.

A role session is an access key that STS's AssumeRole issued: LocalStack's Lambda calls AssumeRole with
the function's role and gives the function that session's keys (``execution_environment.py``), and the
tests' probe does the same. LocalStack's STS keeps every session (``sts_stores``: key -> assumed-role
ARN) and its IAM every role's policies (``iam_stores``); ``enforcement.py`` decides. Keys that are not
a session's (the root ``test`` key of the bootstrap and the tests) are not checked.
"""

import functools
import json
import logging
from pathlib import Path
from typing import Any

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.aws.chain import HandlerChain
from localstack.constants import AWS_REGION_US_EAST_1, DEFAULT_AWS_ACCOUNT_ID
from localstack.http import Response
from localstack.utils.aws.request_context import extract_access_key_id_from_auth_header

from harness_lambda_executor import enforcement

LOG = logging.getLogger(__name__)
_SESSION_KEY_PREFIXES = ("LSIA", "ASIA")  # STS's temporary access keys (LocalStack's parity setting picks one)


class RoleSessionPolicies:
    """Request handler: a call signed by a role session is refused unless the role's policies allow it."""

    def __call__(self, chain: HandlerChain, context: RequestContext, response: Response) -> None:
        if context.operation is None or context.is_internal_call:
            return
        access_key = extract_access_key_id_from_auth_header(context.request.headers) or ""
        if not access_key.startswith(_SESSION_KEY_PREFIXES):
            return
        from localstack.services.sts.models import sts_stores

        session = sts_stores[DEFAULT_AWS_ACCOUNT_ID][AWS_REGION_US_EAST_1].credentials.get(access_key)
        if session is None or ":assumed-role/" not in session.arn:
            return
        role_name = session.arn.split(":assumed-role/", 1)[1].split("/", 1)[0]
        statements = _role_statements(session.account_id, role_name)
        service = context.service.service_name
        request = context.service_request or {}
        for action, resource in enforcement.requested(
            service, context.operation.name, request, context.region, context.account_id
        ):
            decision = enforcement.evaluate(statements, action, resource)
            if decision is not enforcement.Decision.ALLOW:
                message = enforcement.denied_message(session.arn, action, resource, decision)
                LOG.info("denied by the role's policies: %s", message)
                raise _access_denied(context.service.protocol, message)


def _access_denied(protocol: str, message: str) -> CommonServiceException:
    """The error code and status each protocol family answers AccessDenied with."""
    if protocol in ("json", "smithy-rpc-v2-cbor"):
        return CommonServiceException("AccessDeniedException", message, status_code=400, sender_fault=True)
    if protocol == "rest-json":
        return CommonServiceException("AccessDeniedException", message, status_code=403, sender_fault=True)
    return CommonServiceException("AccessDenied", message, status_code=403, sender_fault=True)


def _role_statements(account_id: str, role_name: str) -> list[Any]:
    """The statements of the role's inline and attached policies (none if the role is gone)."""
    from localstack.services.iam.models import iam_stores

    store = iam_stores[account_id][AWS_REGION_US_EAST_1]  # IAM is global: any region holds the roles
    role = store.ROLES.get(role_name)
    if role is None:
        return []
    documents = list(role.inline_policies.values())
    for arn in role.attached_policy_arns:
        managed = store.MANAGED_POLICIES.get(arn)
        if managed is not None:
            version = managed.versions.get(managed.policy.get("DefaultVersionId"), {})
            documents.append(version.get("Document") or "{}")
        else:
            documents.append(_aws_managed_documents().get(arn.split(":policy", 1)[-1], "{}"))
    return [statement for document in documents for statement in enforcement.parse_document(document)]


@functools.cache
def _aws_managed_documents() -> dict[str, str]:
    """AWS's managed policies, from the data set LocalStack's IAM ships (read once, when first needed)."""
    import localstack.services.iam as iam_package

    data = json.loads((Path(iam_package.__file__).parent / "resources" / "aws_managed_policies.json").read_text())
    return {f"{policy['Path']}{name}": json.dumps(policy["Document"]) for name, policy in data.items()}
