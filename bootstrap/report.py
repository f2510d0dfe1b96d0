"""One readable progress line per resource: what happened to it and how long it took."""

import sys
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    ABSENT = "absent"
    STARTED = "started"
    REUSED = "reused"
    STOPPED = "stopped"
    KEPT = "kept"  # down: an emulator other stacks still live on, left running
    ADOPTED = "adopted"  # up --adopt: a resource with this stack's name, tagged as this stack's
    NOT_OURS = "not-ours"  # down: a resource with this stack's name but not its tags, left alone

    def after_change(self) -> "Outcome":
        """What a resource's outcome becomes once ``ensure_*`` changed it: created stays created."""
        return self if self is Outcome.CREATED else Outcome.UPDATED


class Progress:
    """Runs steps, prints ``  <resource>  <name>  <outcome>  <seconds>``, and remembers the outcomes."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.outcomes: dict[str, Outcome] = {}

    def step(self, resource: str, name: str, action: Callable[[], tuple[T, Outcome]]) -> T:
        started = time.perf_counter()
        result, outcome = action()
        self.record(resource, name, outcome, time.perf_counter() - started)
        return result

    def record(self, resource: str, name: str, outcome: Outcome, seconds: float = 0.0) -> None:
        self.outcomes[resource] = outcome
        print(f"  {resource:<14} {name:<40} {outcome.value:<10} {seconds:6.2f}s", file=self.stream, flush=True)

    def say(self, text: str, *args: Any) -> None:
        print(text.format(*args), file=self.stream, flush=True)
