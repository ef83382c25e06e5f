#!/usr/bin/env bash
# Builds collector-contrib's load generator `telemetrygen` from its Go module (same release as the
# collector, see collector/build.sh) into the cache, for tests/telemetrygen_test.ts.
#   ${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}/bin/telemetrygen-v0.161.0
# Cold: a minute or two of `go install`; warm: returns at once. Prints the binary's path.
set -euo pipefail
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"

VERSION=v0.161.0
cache_root="${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}"
bin="$cache_root/bin/telemetrygen-$VERSION"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache_root/bin"
exec 9>"$cache_root/bin/.telemetrygen.lock"
flock 9 # one build at a time (parallel checkouts)
if [[ ! -x "$bin" ]]; then
  tmpbin="$(mktemp -d "$cache_root/bin/.telemetrygen.XXXXXX")"
  GOBIN="$tmpbin" go install \
    "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen@$VERSION" >&2
  mv "$tmpbin/telemetrygen" "$bin"
  rmdir "$tmpbin"
fi
echo "$bin"
