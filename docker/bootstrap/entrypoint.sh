#!/bin/sh
# harness-entrypoint bootstrap <args>   python -m harness_cli <args> once the emulator answers (when_ready.py), as
#                                       the owner of the mounted project, so what it writes on the host (.stack/)
#                                       stays the host user's
# harness-entrypoint ministack          MiniStack (IAM enforced, log drain tuned, as embedded) plus the
#                                       shared fault proxy its functions can reach
set -eu
project_owner=$(stat -c %u:%g /project)

case "${1:-}" in
    bootstrap)
        shift
        # Docker creates a missing bind-mount source as root: hand it back before writing into it.
        mkdir -p /project/.stack && chown "$project_owner" /project/.stack
        exec setpriv --reuid="${project_owner%:*}" --regid="${project_owner#*:}" --clear-groups \
            env HOME=/tmp python /usr/local/lib/harness/when_ready.py "$@"
        ;;
    ministack)
        python -m local_runtime.faults.proxy_server --shared --bind 0.0.0.0 \
            --port "${HARNESS_FAULT_PROXY_PORT:-${HARNESS_CONSISTENCY_PROXY_PORT:-4600}}" --upstream "http://127.0.0.1:${GATEWAY_PORT:-4566}" &
        exec python -m local_runtime.ministack
        ;;
    *)
        exec "$@"
        ;;
esac
