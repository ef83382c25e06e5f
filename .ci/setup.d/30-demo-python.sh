#!/usr/bin/env bash
# Python dependencies of the demo service (official OpenTelemetry SDK), cached.
set -euo pipefail
bash demo/pricing/venv.sh
