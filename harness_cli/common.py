"""What every command of the inner loop shares: the settings as ``up`` saw them, and the stack that is up."""

import os
import sys
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from bootstrap import stack
from bootstrap.settings import Settings, SettingsError
from bootstrap.target import TargetError, aws_identity
from bootstrap.validation import validate
from harness_cli import lifecycle

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
    outputs = lifecycle.status(settings)
    if outputs is None:
        raise CommandError(_why_no_stack(settings))
    return outputs


def _why_no_stack(settings: Settings) -> str:
    """``NO_STACK``, naming the stack that is up here when it is another one (``--stack`` selects it)."""
    saved = stack.saved_outputs(settings)
    other = saved.get("stack_name") if saved else None
    if other and other != settings.stack_name and saved and saved.get("target") == settings.target:
        return f"stack '{settings.stack_name}' is not up here; '{other}' is: pass --stack {other} (or HARNESS_STACK)"
    return NO_STACK


def confirm_aws(settings: Settings, command: str, assume_yes: bool) -> str:
    """Name the account and region; go on only with --yes or a typed 'yes' at a terminal. Returns the account."""
    ignored = settings.ignored_endpoint_variables
    if ignored:
        verb = "is" if len(ignored) == 1 else "are"
        print(f"note: {', '.join(ignored)} {verb} set but ignored: --target aws talks to AWS")
    account, arn = aws_identity(settings)
    where = f"region {settings.region} (from {settings.region_source})"
    print(f"REAL AWS: {command} stack '{settings.stack_name}' in account {account}, {where}")
    print(f"          as {arn}")
    if assume_yes:
        return account
    if not sys.stdin.isatty():
        raise TargetError("refusing to change a real AWS account without confirmation: pass --yes")
    if input("Type 'yes' to continue: ").strip().lower() != "yes":
        raise TargetError("cancelled; nothing was changed")
    return account


def run_command(main_body, argv: list[str] | None) -> int:  # noqa: ANN001 - a callable taking argv
    """Run a command's body; a ``CommandError``, a refused target, an AWS error or Ctrl-C ends in one line on
    stderr, never a traceback."""
    try:
        return main_body(argv)
    except (CommandError, TargetError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (ClientError, BotoCoreError) as error:
        print(f"error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (``./harness logs | head``): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
