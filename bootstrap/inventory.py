"""The stack's named resources in ``up`` order, each with how its own module reads, adds and deletes tags."""

from bootstrap import api, function, iam, log_group, table, usage
from bootstrap.clients import Clients
from bootstrap.ownership import Resource
from bootstrap.settings import Names


def resources(clients: Clients, names: Names) -> list[Resource]:
    """Table, log group, role, function, REST API, API key, usage plan (``down`` goes the other way).

    The API's resource, method, permission and stage live inside the API and the function, so they
    belong to whoever owns those.
    """
    dynamodb, logs, roles, functions = clients("dynamodb"), clients("logs"), clients("iam"), clients("lambda")
    apigw = clients("apigateway")
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
        Resource(
            "rest-api",
            names.rest_api,
            lambda: api.read_tags(apigw, names.rest_api),
            lambda tags: api.tag_rest_api(apigw, names.rest_api, tags),
            lambda: api.delete_rest_api(apigw, names.rest_api),
        ),
        Resource(
            "api-key",
            names.api_key,
            lambda: usage.read_key_tags(apigw, names.api_key),
            lambda tags: usage.tag_api_key(apigw, names.api_key, tags),
            lambda: usage.delete_api_key(apigw, names.api_key),
        ),
        Resource(
            "usage-plan",
            names.usage_plan,
            lambda: usage.read_plan_tags(apigw, names.usage_plan),
            lambda tags: usage.tag_usage_plan(apigw, names.usage_plan, tags),
            lambda: usage.delete_usage_plan(apigw, names.usage_plan),
        ),
    ]
