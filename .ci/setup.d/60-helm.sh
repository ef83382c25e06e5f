#!/usr/bin/env bash
# Builds Helm from its Go module and the chart checker (deploy/helm/build.sh; cached under
# $TRACEHOUSE_CACHE; cold: ~3 min of CPU, measured 2.4-6 min wall on the shared 2-core machine;
# instant when nothing changed) so deploy/helm's tests only run them.
set -euo pipefail
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
bash deploy/helm/build.sh
