"""Find stacks by their tags and take down the stale ones (for CI runs that died before their teardown).

Stacks are found with the Resource Groups Tagging API (``tag:GetResources`` on ``harness:managed-by``): one
paginated call that a CI role scoped to its own resources may make, where reading every table's tags is
denied for the tables that are not its own. An emulator without that API is listed the old way, saying so.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bootstrap import inventory, ownership, stack
from bootstrap import partition as partitions
from bootstrap.api import paginate
from bootstrap.aws_errors import error_code, is_code
from bootstrap.clients import Clients
from bootstrap.ownership import MANAGED_BY, MANAGED_BY_KEY, STACK_KEY
from bootstrap.report import Progress
from bootstrap.settings import Names
from bootstrap.target import Target

TAG_FILTERS = [{"Key": MANAGED_BY_KEY, "Values": [MANAGED_BY]}]


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromtimestamp(float(value), tz=UTC)


def find_stacks(clients: Clients, say: Callable[[str], None] = print) -> set[str]:
    """The name of every harness stack on the target (in its region)."""
    try:
        pages = clients("resourcegroupstaggingapi").get_paginator("get_resources").paginate(TagFilters=TAG_FILTERS)
        mappings = [mapping for page in pages for mapping in page.get("ResourceTagMappingList", [])]
    except ClientError as error:
        if not clients.settings.is_emulated:
            raise
        say(f"note: no Resource Groups Tagging API here ({error_code(error)}): listing REST APIs and tables instead")
        return _by_listing(clients)
    tags = [{tag["Key"]: tag["Value"] for tag in mapping.get("Tags", [])} for mapping in mappings]
    return {found[STACK_KEY] for found in tags if found.get(MANAGED_BY_KEY) == MANAGED_BY and STACK_KEY in found}


def _by_listing(clients: Clients) -> set[str]:
    """The emulators' fallback: the tags of every REST API and every table."""
    found = [api.get("tags", {}) for api in paginate(clients("apigateway"), "get_rest_apis", "items")]
    dynamodb = clients("dynamodb")
    for name in paginate(dynamodb, "list_tables", "TableNames"):
        arn = dynamodb.describe_table(TableName=name)["Table"]["TableArn"]
        found.append({tag["Key"]: tag["Value"] for tag in dynamodb.list_tags_of_resource(ResourceArn=arn)["Tags"]})
    return {tags[STACK_KEY] for tags in found if tags.get(MANAGED_BY_KEY) == MANAGED_BY and STACK_KEY in tags}


def created(clients: Clients, stack_name: str) -> datetime | None:
    """When the stack was made: its table's creation time (the table is the first thing ``up`` makes and the last
    ``down`` deletes). None when it has no table: what is left of an interrupted ``down``."""
    try:
        table = clients("dynamodb").describe_table(TableName=Names(stack_name).table)["Table"]
    except ClientError as error:
        if is_code(error, "ResourceNotFoundException"):
            return None
        raise
    return _as_datetime(table["CreationDateTime"])


def has_leftovers(clients: Clients, stack_name: str) -> bool:
    """Whether anything of a stack without a table is still there. The tagging index lags deletions: a stack taken
    down a moment ago may still be listed, so a tableless one is confirmed with the services before it is shown or
    swept."""
    names = Names(stack_name, clients.settings.region)
    partition = partitions.of_region(clients.settings.region)
    return any(ownership.inspect(resource) is not None for resource in inventory.resources(clients, names, partition))


def stacks_with_age(clients: Clients, say: Callable[[str], None] = print) -> list[tuple[str, datetime | None]]:
    """Every harness stack on the target with when it was made (None: no table, an interrupted ``down``),
    newest first."""
    found = []
    for name in find_stacks(clients, say):
        try:
            made = created(clients, name)
            if made is not None or has_leftovers(clients, name):
                found.append((name, made))
        except (ClientError, BotoCoreError) as error:  # one stack this identity may not read: the others still
            say(f"note: stack {name} could not be read: {' '.join(str(error).split())}")
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(found, key=lambda pair: pair[1] or oldest, reverse=True)


def stale_stacks(
    clients: Clients,
    prefix: str,
    older_than: timedelta,
    now: datetime | None = None,
    say: Callable[[str], None] = print,
) -> list[str]:
    """Stacks named ``prefix*`` made more than ``older_than`` ago, or without a table (leftovers)."""
    cutoff = (now or datetime.now(UTC)) - older_than
    stale = []
    for name in sorted(name for name in find_stacks(clients, say) if name.startswith(prefix)):
        try:
            made = created(clients, name)
            if (made is None and has_leftovers(clients, name)) or (made is not None and made < cutoff):
                stale.append(name)
        except (ClientError, BotoCoreError) as error:  # left alone, saying why; the others are still looked at
            say(f"note: stack {name} could not be read, so it is not swept: {' '.join(str(error).split())}")
    return stale


@dataclass(frozen=True)
class Failure:
    stack: str
    error: str


def sweep(target: Target, prefix: str, older_than: timedelta) -> list[Failure]:
    """Take down every stale stack's resources (nothing else: no emulator, proxy or outputs file); one that fails
    is reported and the others still taken down."""
    stale = stale_stacks(target.clients(), prefix, older_than)
    print(f"sweep: {len(stale)} stale stack(s) named {prefix}* older than {older_than.total_seconds() / 3600:g} h")
    failures = []
    for name in stale:
        print(f"down: stack '{name}'")
        try:
            stack.down(target.for_stack(name), Progress())
        except (ClientError, BotoCoreError, RuntimeError) as error:
            failures.append(Failure(name, " ".join(str(error).split())))
            print(f"  failed: {failures[-1].error} (going on with the others)")
    return failures
