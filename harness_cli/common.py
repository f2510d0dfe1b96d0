"""What every command of the inner loop shares: the settings as ``up`` saw them, and the stack that is up."""

import sys
from typing import Any

from bootstrap import stack
from bootstrap.settings import Settings, SettingsError
from bootstrap.validation import validate

NO_STACK = "no stack is up: run ./harness up"


class CommandError(RuntimeError):
    """A command cannot go on; its message is the one line the user sees (exit code 2)."""


def settings_from_env(**overrides: Any) -> Settings:
    """The settings from the environment (and flags), validated; a bad one is a ``CommandError``."""
    try:
        settings = Settings.from_env().with_overrides(**overrides)
        validate(settings)
    except SettingsError as error:
        raise CommandError(str(error).splitlines()[0]) from error
    return settings


def stack_that_is_up(settings: Settings) -> dict[str, Any]:
    """The outputs of the stack ``up`` brought up, if its target still answers; else ``CommandError``."""
    outputs = stack.status(settings)
    if outputs is None:
        raise CommandError(NO_STACK)
    return outputs


def run_command(main_body, argv: list[str] | None) -> int:  # noqa: ANN001 - a callable taking argv
    """Run a command's body; a ``CommandError`` or Ctrl-C ends in one line on stderr, never a traceback."""
    try:
        return main_body(argv)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
