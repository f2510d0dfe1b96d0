"""Which region, as the AWS CLI picks it: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region."""

from collections.abc import Mapping

import botocore.session
from botocore.exceptions import ProfileNotFound

DEFAULT_REGION = "us-east-1"
# Where the region came from when nothing named one: emulators take us-east-1; real AWS refuses (as the AWS CLI).
FALLBACK = "fallback"


def _profile_name(env: Mapping[str, str]) -> str:
    return env.get("AWS_PROFILE") or env.get("AWS_DEFAULT_PROFILE") or "default"


def profile_region(env: Mapping[str, str]) -> str | None:
    """The region of the profile boto3 and the AWS CLI would use (``AWS_PROFILE``, else ``default``), read from
    the AWS config file (``AWS_CONFIG_FILE``, else ``~/.aws/config``) by botocore; None if it names none."""
    session = botocore.session.Session()
    session.set_config_variable("config_file", env.get("AWS_CONFIG_FILE") or "~/.aws/config")
    session.set_config_variable("profile", _profile_name(env))
    try:
        return session.get_scoped_config().get("region") or None
    except ProfileNotFound:
        return None


def region_from_env(env: Mapping[str, str]) -> tuple[str, str]:
    """(region, where it came from): the variables, then the profile, then us-east-1 marked as ``FALLBACK``."""
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if env.get(variable):
            return env[variable], variable
    from_profile = profile_region(env)
    if from_profile:
        return from_profile, f"profile {_profile_name(env)}"
    return DEFAULT_REGION, FALLBACK
