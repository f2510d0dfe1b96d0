"""Never touch what the harness did not create: a resource is this stack's only if it carries both its tags.

The default names are the AWS tutorial's own, so a table or role of that name may well be someone
else's. ``up`` checks every named resource before changing anything and refuses unless each one that
exists is this stack's (or ``--adopt`` tags it first); ``down`` deletes only what is this stack's.
"""

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from bootstrap.aws_errors import error_code
from bootstrap.report import Outcome, Progress

MANAGED_BY_KEY, MANAGED_BY = "harness:managed-by", "dynamodb-manager-harness"
STACK_KEY = "harness:stack"
# What a target answers when it does not implement a tag call at all.
_UNSUPPORTED = ("UnknownOperationException", "NotImplemented", "NotImplementedException", "InvalidAction")


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


def preflight(
    resources: list[Resource], wanted: dict[str, str], stack_name: str, adopt: bool, progress: Progress
) -> None:
    """Before ``up`` changes anything: every existing resource must be ours; ``adopt`` tags the others first."""
    found = [(resource, inspect(resource)) for resource in resources]
    foreign = [(resource, seen) for resource, seen in found if seen is not None and not is_ours(seen.tags, wanted)]
    if foreign and not adopt:
        raise not_ours(stack_name, [seen for _, seen in foreign])
    adopted: list[str] = []
    for resource, seen in foreign:
        resource.tag(wanted)
        if not is_ours(resource.read_tags(), wanted):  # some emulators accept tags and drop them
            raise OwnershipError(
                f"--adopt: the target accepted this stack's tags for {seen.kind} {seen.name} but does not keep "
                "them, so it cannot be marked as this stack's; use another --stack"
                + (f" (already tagged: {', '.join(adopted)})" if adopted else ""),
                [seen],
            )
        adopted.append(f"{seen.kind} {seen.name}")
        progress.record(seen.kind, f"{seen.name} (had {seen.describe()})", Outcome.ADOPTED)


def delete_if_ours(resource: Resource, wanted: dict[str, str]) -> tuple[Found | None, Outcome]:
    """Delete the resource only if it carries this stack's tags; report anything else left alone."""
    found = inspect(resource)
    if found is None:
        return None, Outcome.ABSENT
    if not is_ours(found.tags, wanted):
        return found, Outcome.NOT_OURS
    return None, resource.delete()[1]
