"""The registry of changes to the emulators (local_runtime/patching.py): complete, true to the code that makes the
changes, every guard a real test, and its table in docs/architecture.md as the registry renders it."""

import ast
import re
import tomllib
from pathlib import Path

import pytest

from local_runtime import patch_registry, patching
from local_runtime.localstack import patches as localstack_patches
from local_runtime.ministack import patches as ministack_patches
from local_runtime.patching import APPLIES, Change, Patch
from tests.support.paths import ROOT

pytestmark = pytest.mark.unit
CHANGES = patch_registry.declared()
PATCHES = [change for change in CHANGES if isinstance(change, Patch)]
EXECUTOR = ROOT / "local_runtime/localstack/executor"
# Methods of ours on LocalStack subclasses that LocalStack does not define: no override.
OWN_HELPERS = {
    "executor.py:ProcessRuntimeExecutor._wait_until_ready",
    "executor.py:ProcessRuntimeExecutor._receive",
    "executor.py:ProcessRuntimeExecutor._exit_code",
    "executor.py:ProcessRuntimeExecutor._start_worker",
}


def _id(change: Change) -> str:
    return f"{change.target}.{change.name}"


def test_architecture_page__carries_the_registry_s_table():
    page = patch_registry.PAGE.read_text()
    assert patch_registry.START in page and patch_registry.END in page
    assert patch_registry.page_with_table(page) == page, "run: python -m local_runtime.patch_registry --write"


@pytest.mark.parametrize("change", CHANGES, ids=_id)
def test_declaration__a_kind_a_version_and_a_guard_that_exists(change):
    path, _, name = change.guarded_by.partition("::")
    tree = ast.parse((ROOT / path).read_text())
    functions = {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    assert name.split("[")[0].split("::")[-1] in functions, f"{change.guarded_by}: no such test"
    assert change.kind in patching.KINDS and re.fullmatch(r"\S+ \d[\w.]*", change.written_for)
    assert "|" not in change.why and "\n" not in change.why  # one table cell
    if change.kind == "speed":  # the measured figure it buys: a patch whose gain no longer shows goes
        assert re.search(r"\d[\d.,]* ?(ms|s|%|µs|req/s|×)(?!\w)", change.why), change.why


@pytest.mark.parametrize("patch", [change for change in PATCHES if change.emulator == "ministack"], ids=_id)
def test_ministack_patch__applies_to_the_pinned_version_and_undoes(patch):
    assert patch.check() == APPLIES
    if not patch.new:
        assert patch.where, "a patch whose replacement is made at start says where"
        return
    original = getattr(patching.resolve(patch.target), patch.name)
    with patch:
        assert getattr(patching.resolve(patch.target), patch.name) is patching.resolve(patch.new)
        assert patch in Patch.applied
    assert getattr(patching.resolve(patch.target), patch.name) is original and patch not in Patch.applied


def test_check__names_a_target_that_moved_and_a_source_that_changed(monkeypatch):
    monkeypatch.setattr(Change, "declared", [])  # not part of the registry
    gone = Change("ministack.core.lambda_runtime", "no_such_name", "speed", "1 ms", "ministack 0", "t::t")
    changed = Change(
        "ministack.core.lambda_runtime",
        "Worker",
        "speed",
        "1 ms",
        "ministack 0",
        "t::t",
        (("ministack.core.lambda_runtime.Worker", "no such line"),),
    )
    absent = Change("no_such_emulator.module", "name", "speed", "1 ms", "no_such_emulator 0", "t::t")
    assert gone.check().startswith(patching.GONE) and changed.check().startswith(patching.CHANGED)
    assert absent.check().startswith("not checked")


def _imported(tree: ast.Module, prefix: str) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(prefix):
            names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {
                (alias.asname or alias.name).split(".")[0] for alias in node.names if alias.name.startswith(prefix)
            }
    return names


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


class _Sites(ast.NodeVisitor):
    """Where a module changes the emulator: an attribute assigned on one of its names, ``setattr``, a private method
    overridden; with ``extension_points``, also an attribute assigned on an object handed in and an append to a
    chain (anything but a list of our own)."""

    def __init__(self, emulator_names: set[str], extension_points: bool) -> None:
        self.emulator_names, self.extension_points = emulator_names, extension_points
        self.scope: list[str] = []
        self.roots: list[set[str]] = [emulator_names]
        self.lists: list[set[str]] = [set()]
        self.found: set[str] = set()

    def _add(self) -> None:
        self.found.add(".".join(self.scope))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        emulator_class = any(_root(base) in self.emulator_names for base in node.bases)
        self.scope.append(node.name)
        for item in node.body:
            if emulator_class and isinstance(item, ast.FunctionDef) and re.fullmatch(r"_[a-z]\w*", item.name):
                self.found.add(".".join([*self.scope, item.name]))
            self.visit(item)
        self.scope.pop()

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        names = {arg.arg for arg in node.args.args} - {"self", "cls"} if self.extension_points else set()
        self.scope.append(node.name)
        self.roots.append(self.emulator_names | names)
        self.lists.append(set())
        self.generic_visit(node)
        self.scope.pop(), self.roots.pop(), self.lists.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name) and isinstance(node.value, ast.List | ast.ListComp | ast.Call):
                if not isinstance(node.value, ast.Call) or _root(node.value) == "list":
                    self.lists[-1].add(target.id)
            for element in target.elts if isinstance(target, ast.Tuple) else [target]:
                if isinstance(element, ast.Attribute) and _root(element) in self.roots[-1]:
                    self._add()
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        if isinstance(node.func, ast.Name) and node.func.id == "setattr":
            self._add()
        appends = isinstance(node.func, ast.Attribute) and node.func.attr in ("append", "insert", "extend")
        if self.extension_points and appends and _root(node.func.value) not in self.lists[-1] | {"self", ""}:
            self._add()
        self.generic_visit(node)


def _sites(path: Path, prefix: str, extension_points: bool) -> set[str]:
    tree = ast.parse(path.read_text())
    visitor = _Sites(_imported(tree, prefix), extension_points)
    visitor.visit(tree)
    return {f"{path.name}:{site}" for site in visitor.found}


def test_localstack_registry__declares_every_change_the_executor_makes_and_no_other():
    package = EXECUTOR / "harness_lambda_executor"
    # worker.py runs in the function's process, not in LocalStack's
    found = set().union(
        *(_sites(path, "localstack", True) for path in package.glob("*.py") if path.name != "worker.py")
    )
    groups = tomllib.loads((EXECUTOR / "pyproject.toml").read_text())["project"]["entry-points"]
    for group, entries in groups.items():
        assert group.startswith("localstack."), group
        for reference in entries.values():
            module, _, name = reference.partition(":")
            found.add(f"{module.rsplit('.', 1)[-1]}.py:{name}")
    declared = {change.where for change in localstack_patches.CHANGES}
    assert sorted(found - OWN_HELPERS) == sorted(declared)
    assert all(change.emulator == "localstack-core" for change in localstack_patches.CHANGES)


def test_ministack_modules__replace_no_name_outside_the_registry():
    # ``where`` names a module's function that makes a replacement value; patches.py is the only one to set it
    modules = ROOT / "local_runtime/ministack"
    found = set().union(*(_sites(path, "ministack", False) for path in modules.glob("*.py")))
    assert found == set()
    assert {patch.emulator for patch in ministack_patches.TUNED + ministack_patches.FAST_PATH} == {"ministack"}


def test_localstack_hooks__each_function_named_apart():
    # A hook's plugin is named after its function (`hooks.on_infra_start()`), not its entry point: two hooks both
    # called `install` in one group leave one of them unloaded, silently.
    groups = tomllib.loads((EXECUTOR / "pyproject.toml").read_text())["project"]["entry-points"]
    for group, entries in groups.items():
        functions = [reference.partition(":")[2] for reference in entries.values()]
        assert len(set(functions)) == len(functions), f"{group}: {sorted(functions)}"
