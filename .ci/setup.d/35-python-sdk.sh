#!/usr/bin/env bash
# The `tracehouse` Python package: a venv with python/requirements-dev.txt (tools, frameworks,
# gunicorn, uvicorn, zero-code OpenTelemetry for the bench), the wheel and sdist built from
# python/ and checked, all cached under $TRACEHOUSE_CACHE; and wrk, the load generator of the
# Python overhead bench.
set -euo pipefail
deno run -A python/venv.ts
if ! command -v wrk >/dev/null; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null ||
    echo "35-python-sdk.sh: wrk not installed; the Python overhead bench needs it" >&2
fi
