#!/bin/sh
# One image, two roles:
#   api     REST (PORT) + gRPC (GRPC_PORT); no in-process workers (CNN_WORKERS=0)
#   worker  one training worker (concurrency 1); CUDA_VISIBLE_DEVICES picks its GPU
# Anything else runs as given (e.g. `node dist/cli/main.js summary ...`).
# The role is written where the HEALTHCHECK (docker/healthcheck.mjs) finds it.
set -eu
app_dir=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
role_file="${TMPDIR:-/tmp}/cnn-role"

case "${1:-api}" in
  api)
    if [ "$#" -gt 0 ]; then shift; fi
    echo api > "$role_file"
    export CNN_WORKERS=0
    exec node "$app_dir/dist/server.js" "$@"
    ;;
  worker)
    shift
    echo worker > "$role_file"
    exec node "$app_dir/dist/worker.js" "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
