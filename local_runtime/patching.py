"""Every change this project makes to a third-party emulator, declared in one registry, and the helper that makes it.

In the spirit of LocalStack's ``localstack/utils/patch.py``: a ``Patch`` replaces one attribute of a module or class,
``apply()`` / ``undo()`` or ``with patch:``, and ``Patch.applied`` lists what is in force. Each change also says what
kind it is, why (the AWS behaviour or the measured figure it buys), which emulator version it was written against and
which test guards it. ``check()`` says whether the emulator installed here still has what the change relies on, without
applying it. Targets and replacements are named by dotted path, imported only when used: the registry loads, and
checks patch by patch, even where an emulator upgrade has moved names. The declarations are in
``ministack/patches.py`` and ``localstack/patches.py``; ``patch_registry.py`` lists them (its table is in
``docs/architecture.md``) and checks them against the emulators installed.
"""

import importlib
import importlib.util
import inspect
from dataclasses import dataclass
from typing import Any, ClassVar

KINDS = ("aws-parity", "speed", "debugging", "extension")  # extension: an official extension point, nothing replaced
APPLIES, GONE, CHANGED = "applies", "target gone", "signature changed"
_UNSET = object()


def resolve(path: str) -> Any:
    """The object a dotted path names: the longest importable module prefix, then attributes (``a.b:c`` too)."""
    parts = path.replace(":", ".").split(".")
    for split in range(len(parts), 0, -1):
        try:
            found = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for part in parts[split:]:
            found = getattr(found, part)
        return found
    raise ModuleNotFoundError(path)


@dataclass(eq=False)
class Change:
    """A declared change to an emulator. ``expects``: (dotted place, fragment of its source) pairs it relies on;
    ``parameters``: the first parameters the replaced callable must have."""

    target: str  # the module or class whose attribute changes, dotted ("ministack.core.lambda_runtime.Worker")
    name: str
    kind: str
    why: str
    written_for: str  # "<emulator> <version>"
    guarded_by: str  # a pytest node id
    expects: tuple[tuple[str, str], ...] = ()
    parameters: tuple[str, ...] = ()
    where: str = ""  # our code that makes it, where no ``new`` says so ("file.py:function")
    declared: ClassVar[list["Change"]] = []

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.target}.{self.name}: kind {self.kind!r} is not one of {KINDS}")
        Change.declared.append(self)

    @property
    def emulator(self) -> str:
        return self.written_for.split()[0]

    def check(self) -> str:
        """``applies``, ``target gone: ...``, ``signature changed: ...``, or why it cannot be checked here."""
        package = self.target.split(".")[0]
        if importlib.util.find_spec(package) is None:
            return f"not checked: {package} is not installed here"
        try:
            original = getattr(resolve(self.target), self.name)
        except Exception as error:  # noqa: BLE001 - a report: whatever importing a changed emulator raises
            return f"{GONE}: {error}"
        try:
            first = list(inspect.signature(original).parameters)[: len(self.parameters)] if self.parameters else []
            sources = [(place, fragment, inspect.getsource(resolve(place))) for place, fragment in self.expects]
        except Exception as error:  # noqa: BLE001 - as above
            return f"{CHANGED}: {error}"
        if first != list(self.parameters):
            return f"{CHANGED}: {self.name}{inspect.signature(original)}, not ({', '.join(self.parameters)}, ...)"
        missing = [
            f"{place} no longer has {fragment!r}" for place, fragment, source in sources if fragment not in source
        ]
        return f"{CHANGED}: {missing[0]}" if missing else APPLIES


class _AppliedWithin:
    """``with patch:`` applies it for the block."""

    def __enter__(self) -> Any:
        self.apply()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.undo()


@dataclass(eq=False)
class Patch(Change, _AppliedWithin):
    """A change made by replacing ``target.name`` with ``new`` (a dotted path to our replacement; or the value given
    to ``apply``, for one made at start)."""

    new: str = ""
    applied: ClassVar[list["Patch"]] = []

    def apply(self, value: Any = _UNSET) -> None:
        owner = resolve(self.target)
        if self not in Patch.applied:
            self.original = getattr(owner, self.name)
            Patch.applied.append(self)
        setattr(owner, self.name, resolve(self.new) if value is _UNSET else value)

    def undo(self) -> None:
        if self in Patch.applied:
            setattr(resolve(self.target), self.name, self.original)
            Patch.applied.remove(self)


class Patches(list, _AppliedWithin):
    """Patches applied, and undone, together (undone in reverse order)."""

    def apply(self) -> None:
        for patch in self:
            patch.apply()

    def undo(self) -> None:
        for patch in reversed(self):
            patch.undo()
