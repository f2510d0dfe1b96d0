"""Idempotent provisioning of the DynamoDBManager stack: ``python -m bootstrap up | down | status``."""
