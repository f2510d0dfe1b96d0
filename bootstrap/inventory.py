"""The stack's named resources in ``up`` order, each with how its own module reads, adds and deletes tags."""

from collections.abc import Callable
from typing import Any

from bootstrap import api, function, iam, log_group, table, usage
from bootstrap.client_types import APIGatewayClient
from bootstrap.clients import Clients
from bootstrap.ownership import Resource
from bootstrap.report import Outcome
from bootstrap.settings import Names


def resources(clients: Clients, names: Names, partition: str) -> list[Resource]:
    """Table, log group, role, function, REST API(s), API key(s), usage plan(s) (``down`` goes the other way).

    API Gateway names are not unique: a create retried after a timeout can leave two REST APIs or keys of one
    name, so each one found is a resource of its own (named with its id), checked and deleted on its own.
    The API's resource, method, permission and stage live inside the API and the function, so they belong to
    whoever owns those.
    """
    dynamodb, logs, roles, functions = clients("dynamodb"), clients("logs"), clients("iam"), clients("lambda")
    apigw = clients("apigateway")
    gateway = _Gateway(apigw, partition)
    return [
        Resource(
            "table",
            names.table,
            lambda: table.read_tags(dynamodb, names.table),
            lambda tags: table.tag_table(dynamodb, names.table, tags),
            lambda: table.delete_table(dynamodb, names.table),
        ),
        Resource(
            "log-group",
            log_group.log_group_name(names.function),
            lambda: log_group.read_tags(logs, names.function),
            lambda tags: log_group.tag_log_group(logs, names.function, tags),
            lambda: log_group.delete_log_group(logs, names.function),
        ),
        Resource(
            "role",
            names.role,
            lambda: iam.read_tags(roles, names.role),
            lambda tags: iam.tag_role(roles, names.role, tags),
            lambda: iam.delete_role(roles, names.role),
        ),
        Resource(
            "function",
            names.function,
            lambda: function.read_tags(functions, names.function),
            lambda tags: function.tag_function(functions, names.function, tags),
            lambda: function.delete_function(functions, names.function),
        ),
        *gateway.items("rest-api", "restapis", names.rest_api, api.find_rest_apis, api.delete_rest_api),
        *gateway.items("api-key", "apikeys", names.api_key, usage.find_api_keys, usage.delete_api_key),
        *gateway.items("usage-plan", "usageplans", names.usage_plan, usage.find_usage_plans, usage.delete_usage_plan),
    ]


class _Gateway:
    """API Gateway items of one name as resources: one per item found, or one that is absent."""

    def __init__(self, apigw: APIGatewayClient, partition: str) -> None:
        self.apigw, self.partition = apigw, partition

    def items(
        self,
        kind: str,
        collection: str,
        name: str,
        find: Callable[[Any, str], list[dict[str, Any]]],
        delete: Callable[[Any, Any], tuple[None, Outcome]],
    ) -> list[Resource]:
        found = find(self.apigw, name)
        if not found:
            return [Resource(kind, name, lambda: None, lambda _tags: None, lambda: (None, Outcome.ABSENT))]
        return [
            self._one(kind, collection, name if len(found) == 1 else f"{name} ({item['id']})", item, delete)
            for item in found
        ]

    def _one(
        self,
        kind: str,
        collection: str,
        label: str,
        item: dict[str, Any],
        delete: Callable[[Any, Any], tuple[None, Outcome]],
    ) -> Resource:
        arn = api.tags_arn(self.partition, self.apigw.meta.region_name, collection, item["id"])
        # Usage plans are deleted from their description (its stages are detached first); the others by id.
        target = item if collection == "usageplans" else item["id"]
        return Resource(
            kind,
            label,
            lambda: api.item_tags(self.apigw, arn, item),
            lambda tags: self.apigw.tag_resource(resourceArn=arn, tags=tags),
            lambda: delete(self.apigw, target),
        )
