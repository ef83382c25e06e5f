#!/usr/bin/env bash
# Builds Helm (from its Go module, at the version that check/go.mod pins, with every k8s.io module
# at one release) and helmcheck (check/: strict decoding into the Kubernetes API types, policy and
# config checks) for deploy/helm/helm_test.ts.
#
# Binaries live OUTSIDE the repository, keyed by what they are built from, so a rerun with nothing
# changed returns at once:
#   ${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}/helm-<hash of go.mod, go.sum, Go>/helm
#   ${TRACEHOUSE_CACHE:-...}/helmcheck-<hash of the same and check/*.go>/helmcheck
# The last two lines on stdout are the two paths; logs go to stderr.
#
# Usage: bash deploy/helm/build.sh          build (or reuse) and print the paths
#        bash deploy/helm/build.sh --path   print the paths, build nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "build.sh: go is not installed" >&2; exit 127; }

cd "$here/check"
module_hash="$({ go version; sha256sum go.mod go.sum; } | sha256sum | cut -c1-16)"
check_hash="$({ echo "$module_hash"; find . -name '*.go' ! -name '*_test.go' | LC_ALL=C sort | xargs sha256sum; } | sha256sum | cut -c1-16)"
helm_bin="$cache_root/helm-$module_hash/helm"
check_bin="$cache_root/helmcheck-$check_hash/helmcheck"

if [[ "${1:-}" == "--path" ]]; then
  printf '%s\n%s\n' "$helm_bin" "$check_bin"
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/helm-build.lock"
flock 9 # one build at a time (parallel test runs, other checkouts)

build() { # build <binary> <package> [ldflags]
  local bin="$1" pkg="$2" ldflags="${3:-}"
  if [[ -x "$bin" ]]; then
    echo "build.sh: cached $bin" >&2
    return
  fi
  local start tmp
  start=$(date +%s)
  mkdir -p "$(dirname "$bin")"
  tmp="$(mktemp "$bin.XXXXXX")"
  echo "build.sh: building $pkg (minutes on a cold cache)" >&2
  # -mod=readonly: go.sum must already pin every module; CI never edits go.mod.
  go build -mod=readonly -trimpath -ldflags "-s -w $ldflags" -o "$tmp" "$pkg" >&2
  mv "$tmp" "$bin"
  echo "build.sh: built $(basename "$bin") in $(($(date +%s) - start))s" >&2
}

helm_version="$(go list -mod=readonly -m -f '{{.Version}}' helm.sh/helm/v4)"
build "$helm_bin" helm.sh/helm/v4/cmd/helm "-X helm.sh/helm/v4/internal/version.version=$helm_version"
build "$check_bin" .
"$helm_bin" version --short >&2
printf '%s\n%s\n' "$helm_bin" "$check_bin"
