#!/usr/bin/env bash
# Builds the Tracehouse collector distribution (collector/builder-config.yaml) with the
# OpenTelemetry Collector Builder, from Go modules fetched through the module proxy.
#
# Output and caches live OUTSIDE the repository:
#   ${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}/collector-<hash>/tracehouse-otelcol
# where <hash> covers the manifest, this script, the processor sources and the Go version, so a
# rerun with nothing changed returns at once. The last line on stdout is the binary's path; logs
# go to stderr.
#
# Usage: bash collector/build.sh            build (or reuse) and print the binary path
#        bash collector/build.sh --path     print the path the binary would have, build nothing
set -euo pipefail

OCB_VERSION=v0.161.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}"

command -v go >/dev/null || { echo "build.sh: go is not installed" >&2; exit 127; }

hash="$(
  cd "$here"
  {
    go version
    echo "ocb $OCB_VERSION"
    find builder-config.yaml build.sh processor -type f ! -name '*_test.go' ! -path '*/testdata/*' |
      LC_ALL=C sort | xargs sha256sum
  } | sha256sum | cut -c1-16
)"
out="$cache_root/collector-$hash"
bin="$out/tracehouse-otelcol"

if [[ "${1:-}" == "--path" ]]; then
  echo "$bin"
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/build.lock"
flock 9 # one build at a time (parallel test runs, other checkouts)

if [[ -x "$bin" && -f "$out/.complete" ]]; then
  echo "build.sh: cached build $out" >&2
  echo "$bin"
  exit 0
fi

start=$(date +%s)
ocb="$cache_root/bin/ocb-$OCB_VERSION"
if [[ ! -x "$ocb" ]]; then
  echo "build.sh: installing ocb $OCB_VERSION" >&2
  mkdir -p "$cache_root/bin"
  tmpbin="$(mktemp -d "$cache_root/bin/.ocb.XXXXXX")"
  GOBIN="$tmpbin" go install "go.opentelemetry.io/collector/cmd/builder@$OCB_VERSION" >&2
  mv "$tmpbin/builder" "$ocb"
  rmdir "$tmpbin"
fi

rm -rf "$out"
mkdir -p "$out"
# The manifest's output_path is relative; point it at the cache directory. Module paths
# (./processor/...) stay relative to collector/, where ocb runs.
sed "s#^\(  output_path:\).*#\1 $out#" "$here/builder-config.yaml" >"$out/builder-config.yaml"
echo "build.sh: building into $out (this takes minutes on a cold cache)" >&2
(cd "$here" && "$ocb" --config "$out/builder-config.yaml" --ldflags "-s -w") >"$out/build.log" 2>&1 || {
  cat "$out/build.log" >&2
  echo "build.sh: build failed" >&2
  exit 1
}
"$bin" --version >&2
touch "$out/.complete"
echo "build.sh: built in $(($(date +%s) - start))s" >&2
echo "$bin"
