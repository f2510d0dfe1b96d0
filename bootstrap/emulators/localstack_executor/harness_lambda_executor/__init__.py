"""LocalStack's Lambda, without Docker: each execution environment is a local Python process."""
