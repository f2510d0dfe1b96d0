"""The command line behind ``./harness``: ``python -m harness_cli up | down | status | sweep``."""
