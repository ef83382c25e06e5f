#!/usr/bin/env bash
# Builds the compose-go CLI (the Compose Specification's reference loader) into the cache, for
# tests/compose_test.ts. `go run module/cmd@version` would ask the module proxy on every call
# whether `cmd` is a module of its own (those answers are not cached), so a proxy hiccup failed
# the tests; a built binary needs no network once it exists.
#   ${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}/bin/compose-go-v2.16.2
# Cold: a minute of `go install`; warm: returns at once. Prints the binary's path.
set -euo pipefail
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"

VERSION=v2.16.2
cache_root="${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}"
bin="$cache_root/bin/compose-go-$VERSION"
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache_root/bin"
exec 9>"$cache_root/bin/.compose-go.lock"
flock 9 # one build at a time (parallel checkouts)
if [[ ! -x "$bin" ]]; then
  tmpbin="$(mktemp -d "$cache_root/bin/.compose-go.XXXXXX")"
  GOBIN="$tmpbin" go install "github.com/compose-spec/compose-go/v2/cmd@$VERSION" >&2
  mv "$tmpbin/cmd" "$bin"
  rmdir "$tmpbin"
fi
echo "$bin"
