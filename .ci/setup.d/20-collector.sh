#!/usr/bin/env bash
# Builds the custom collector distribution (cached under $TRACEHOUSE_CACHE;
# ~2.5 min cold, instant when nothing changed) so the collector tests only run it.
set -euo pipefail
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
bash collector/build.sh
