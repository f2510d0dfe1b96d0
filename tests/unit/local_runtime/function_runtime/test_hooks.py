"""What the harness hands the function's processes: nothing unless asked; a debugger; coverage, never the emulator's."""

import base64
import json
import subprocess
import sys

import pytest

from local_runtime.function_runtime import hooks as function_hooks
from local_runtime.function_runtime.startup import changed_coverage_config
from local_runtime.processes import clean_environment

pytestmark = pytest.mark.unit


def test_nothing_asked__no_variable_for_the_function(monkeypatch, tmp_path):
    monkeypatch.delenv("COVERAGE_PROCESS_CONFIG", raising=False)
    assert function_hooks.environment(tmp_path, None) == {}


def test_debug__port_fixed_code_folder_and_startup_file(monkeypatch, tmp_path):
    monkeypatch.delenv("COVERAGE_PROCESS_CONFIG", raising=False)
    env = function_hooks.environment(tmp_path, 5679)
    assert env["HARNESS_DEBUG_PORT"] == "5679"
    assert env["HARNESS_DEBUG_TASK_ROOT"] == str(tmp_path.resolve() / "debug" / "code")
    assert env["HARNESS_FUNCTION_STARTUP"] == str(function_hooks.STARTUP_FILE)


def test_coverage__handed_to_the_functions_under_our_name_and_taken_from_the_emulator(monkeypatch, tmp_path):
    monkeypatch.setenv("COVERAGE_PROCESS_CONFIG", "c2VyaWFsaXNlZA==")
    env = clean_environment(function_hooks.environment(tmp_path, None))
    assert env["HARNESS_FUNCTION_COVERAGE"] == "c2VyaWFsaXNlZA=="
    assert "COVERAGE_PROCESS_CONFIG" not in env and "COVERAGE_PROCESS_START" not in env


def test_changed_coverage_config__changes_only_what_is_named():
    # GIVEN a serialised configuration with two settings
    original = base64.b64encode(json.dumps({"source": ["/a"], "context": "x"}).encode()).decode()
    # WHEN one of them is changed
    changed = changed_coverage_config(original, context="y")
    # THEN that one has its new value and the other is kept as it was
    assert json.loads(base64.b64decode(changed)) == {"source": ["/a"], "context": "y"}


def test_startup_file_with_nothing_asked__imports_neither_debugpy_nor_coverage():
    code = (
        "import runpy, sys; runpy.run_path(sys.argv[1]);"
        "print(sorted({'debugpy', 'coverage'} & {name.split('.')[0] for name in sys.modules}))"
    )
    env = {"PATH": "/usr/bin:/bin", "LAMBDA_TASK_ROOT": "/nowhere"}
    result = subprocess.run(  # noqa: S603 - this interpreter, our file
        [sys.executable, "-c", code, str(function_hooks.STARTUP_FILE)], env=env, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
