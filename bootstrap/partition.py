"""Which AWS partition a region or identity is in (aws, aws-cn, aws-us-gov, ...), and its host names.

Everything comes from botocore's own endpoint data, so a new partition needs a botocore upgrade, not a code
change here. ``Target`` is the one user of this module: the rest of the bootstrap asks the target.
"""

from functools import cache

from botocore.loaders import create_loader
from botocore.regions import EndpointResolver


@cache
def _resolver() -> EndpointResolver:
    return EndpointResolver(create_loader().load_data("endpoints"))


def of_region(region: str) -> str:
    """The partition botocore places the region in: ``cn-north-1`` -> ``aws-cn``."""
    return _resolver().get_partition_for_region(region)


def of_arn(arn: str) -> str:
    """The partition named by an ARN (``arn:aws-us-gov:iam::1:user/x`` -> ``aws-us-gov``)."""
    return arn.split(":", 2)[1]


def execute_api_host(region: str) -> str:
    """API Gateway's invoke host for the region, e.g. ``execute-api.cn-north-1.amazonaws.com.cn``."""
    endpoint = _resolver().construct_endpoint("execute-api", region)
    if endpoint is None:  # a region botocore knows for other services only: its partition's suffix
        return f"execute-api.{region}.{_resolver().get_partition_dns_suffix(of_region(region))}"
    hostname: str = endpoint["hostname"]
    return hostname
