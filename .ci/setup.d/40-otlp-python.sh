#!/usr/bin/env bash
# The OpenTelemetry Python SDK for the ingest interop tests, in a venv cached
# under $TRACEHOUSE_CACHE (built from tests/interop/requirements.txt).
set -euo pipefail
deno run -A tests/interop/python_venv.ts
