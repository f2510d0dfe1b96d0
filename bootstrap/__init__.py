"""Idempotent provisioning of the DynamoDBManager stack on a target: the embedded emulator, an endpoint or AWS.

Run through the command line (``./harness up | down | status``, ``python -m harness_cli``).
"""
