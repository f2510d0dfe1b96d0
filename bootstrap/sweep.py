"""Find stacks by their tags and take down the stale ones (for CI runs that died before their teardown)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from bootstrap.api import paginate
from bootstrap.clients import Clients
from bootstrap.ownership import MANAGED_BY, MANAGED_BY_KEY, STACK_KEY
from bootstrap.settings import Settings


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


def find_stacks(clients: Clients) -> dict[str, datetime]:
    """Every harness stack on the target, by name, with the creation time of its REST API or table."""
    found: dict[str, datetime] = {}

    def note(tags: dict[str, str], created: Any) -> None:
        if tags.get(MANAGED_BY_KEY) == MANAGED_BY and STACK_KEY in tags:
            when = _as_datetime(created)
            found[tags[STACK_KEY]] = min(when, found.get(tags[STACK_KEY], when))

    for rest_api in paginate(clients("apigateway"), "get_rest_apis", "items"):
        note(rest_api.get("tags", {}), rest_api.get("createdDate", 0))
    dynamodb = clients("dynamodb")
    for name in paginate(dynamodb, "list_tables", "TableNames"):
        table = dynamodb.describe_table(TableName=name)["Table"]
        tags = dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"]).get("Tags", [])
        note({tag["Key"]: tag["Value"] for tag in tags}, table.get("CreationDateTime", 0))
    return found


def stale_stacks(clients: Clients, prefix: str, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Stacks whose name starts with ``prefix`` and that were created more than ``older_than`` ago."""
    cutoff = (now or datetime.now(UTC)) - older_than
    return sorted(
        name for name, created in find_stacks(clients).items() if name.startswith(prefix) and created < cutoff
    )


def settings_for(settings: Settings, stack_name: str) -> Settings:
    return settings.with_overrides(stack_name=stack_name)
