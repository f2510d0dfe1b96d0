"""Never touch what the harness did not create: a resource is this stack's only if it carries both its tags.

The default names are the AWS tutorial's own, so a table or role of that name may well be someone
else's. ``up`` checks every named resource before changing anything and refuses unless each one that
exists is this stack's (or ``--adopt`` tags it first); ``down`` deletes only what is this stack's.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from bootstrap.aws_errors import error_code
from bootstrap.report import Outcome, Progress

MANAGED_BY_KEY, MANAGED_BY = "harness:managed-by", "dynamodb-manager-harness"
STACK_KEY = "harness:stack"
# What a target answers when it does not implement a tag call at all.
_UNSUPPORTED = ("UnknownOperationException", "NotImplemented", "NotImplementedException", "InvalidAction")
# AWS's tag reads lag its tag writes: DynamoDB documents that ListTagsOfResource may return the old or an empty set
# for a few seconds after TagResource (or CreateTable with tags). On AWS a read that does not yet show the tags is
# repeated until this deadline; emulators are read once.
TAG_PROPAGATION_S = 10.0
TAG_POLL_S = 1.0


def stack_tags(stack_name: str) -> dict[str, str]:
    """The tags that make a resource this stack's (and let stale stacks be found and swept)."""
    return {STACK_KEY: stack_name, MANAGED_BY_KEY: MANAGED_BY}


def is_ours(tags: dict[str, str] | None, wanted: dict[str, str]) -> bool:
    """Both tags, with this stack's values. Unknown tags (``None``) are never ours."""
    return tags is not None and all(tags.get(key) == value for key, value in wanted.items())


@dataclass(frozen=True)
class Resource:
    """One named resource of the stack: how to read its tags, tag it and delete it (its module provides each)."""

    kind: str
    name: str
    read_tags: Callable[[], dict[str, str] | None]  # None: nothing by that name
    tag: Callable[[dict[str, str]], object]
    delete: Callable[[], tuple[None, Outcome]]


@dataclass(frozen=True)
class Found:
    """A resource that exists under this stack's name, with its tags as read (None: the target cannot say)."""

    kind: str
    name: str
    tags: dict[str, str] | None
    unreadable: str = ""  # why the tags could not be read

    def describe(self) -> str:
        if self.tags is None:
            return f"tags unreadable ({self.unreadable})"
        return "tags: " + (", ".join(f"{key}={value}" for key, value in sorted(self.tags.items())) or "none")


class OwnershipError(RuntimeError):
    """``up`` would have to touch resources that are not this stack's. ``details`` lists them, one a line."""

    def __init__(self, message: str, foreign: list[Found]) -> None:
        super().__init__(message)
        self.foreign = foreign
        self.details = [f"  {found.kind:<14} {found.name:<40} {found.describe()}" for found in foreign]


def not_ours(stack_name: str, foreign: list[Found]) -> OwnershipError:
    return OwnershipError(
        f"refusing to up stack '{stack_name}': {len(foreign)} resource(s) listed above have its names but not "
        f"its tags ({STACK_KEY}={stack_name}, {MANAGED_BY_KEY}={MANAGED_BY}); nothing was changed. "
        "Use another name (--stack NAME), or take them over with --adopt (tags them as this stack's first)",
        foreign,
    )


def inspect(resource: Resource) -> Found | None:
    """The resource as it is on the target, or None if nothing has its name."""
    try:
        tags = resource.read_tags()
    except ClientError as error:
        if error_code(error) not in _UNSUPPORTED:
            raise
        return Found(resource.kind, resource.name, None, f"the target does not implement it: {error_code(error)}")
    return None if tags is None else Found(resource.kind, resource.name, tags)


def _read_until_ours(
    resource: Resource, wanted: dict[str, str], seconds: float, sleep: Callable[[float], None]
) -> dict[str, str] | None:
    """The resource's tags, read again (every ``TAG_POLL_S``, for at most ``seconds``) until they are ours."""
    deadline = time.monotonic() + seconds
    tags = resource.read_tags()
    while not is_ours(tags, wanted) and time.monotonic() < deadline:
        sleep(TAG_POLL_S)
        tags = resource.read_tags()
    return tags


def _inspect_settled(
    resource: Resource, wanted: dict[str, str], seconds: float, sleep: Callable[[float], None]
) -> Found | None:
    """``inspect``, but a table that shows no tags at all is read again for at most ``seconds``: right after
    CreateTable (an ``up`` interrupted a moment ago, a ``down`` right after ``up``) AWS may show none yet."""
    found = inspect(resource)
    if found is None or found.tags != {} or resource.kind != "table" or seconds <= 0:
        return found
    tags = _read_until_ours(resource, wanted, seconds, sleep)
    return None if tags is None else Found(resource.kind, resource.name, tags)


def preflight(
    resources: list[Resource],
    wanted: dict[str, str],
    stack_name: str,
    adopt: bool,
    progress: Progress,
    tag_propagation_s: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Before ``up`` changes anything: every existing resource must be ours; ``adopt`` tags the others first (and
    reads them back, for at most ``tag_propagation_s``: on AWS the new tags show after a few seconds)."""
    # Read once: a table showing no tags is far more often the tutorial's own (untagged) than ours a moment after
    # CreateTable, and waiting on every such table would slow every refusal and --adopt by TAG_PROPAGATION_S.
    found = [(resource, inspect(resource)) for resource in resources]
    foreign = [(resource, seen) for resource, seen in found if seen is not None and not is_ours(seen.tags, wanted)]
    if foreign and not adopt:
        raise not_ours(stack_name, [seen for _, seen in foreign])
    adopted: list[str] = []
    for resource, seen in foreign:
        resource.tag(wanted)
        if not is_ours(_read_until_ours(resource, wanted, tag_propagation_s, sleep), wanted):  # or dropped them
            raise OwnershipError(
                f"--adopt: the target accepted this stack's tags for {seen.kind} {seen.name} but does not keep "
                "them, so it cannot be marked as this stack's; use another --stack"
                + (f" (already tagged: {', '.join(adopted)})" if adopted else ""),
                [seen],
            )
        adopted.append(f"{seen.kind} {seen.name}")
        progress.record(seen.kind, f"{seen.name} (had {seen.describe()})", Outcome.ADOPTED)


def delete_if_ours(
    resource: Resource,
    wanted: dict[str, str],
    tag_propagation_s: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Found | None, Outcome]:
    """Delete the resource only if it carries this stack's tags; report anything else left alone."""
    found = _inspect_settled(resource, wanted, tag_propagation_s, sleep)
    if found is None:
        return None, Outcome.ABSENT
    if not is_ours(found.tags, wanted):
        return found, Outcome.NOT_OURS
    return None, resource.delete()[1]
