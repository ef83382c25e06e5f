#!/usr/bin/env bash
# Builds gofakes3 (a real S3-compatible server, from its Go module) into
# $TRACEHOUSE_CACHE/bin/gofakes3-<version>, for the archive tests against s3://.
# Instant when the binary of this version is already there.
set -euo pipefail
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
VERSION=v1.2.0
CACHE="${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}"
TARGET="$CACHE/bin/gofakes3-$VERSION"
if [ -x "$TARGET/gofakes3" ]; then
  echo "gofakes3 $VERSION cached at $TARGET"
  exit 0
fi
mkdir -p "$TARGET.tmp"
GOBIN="$TARGET.tmp" GOFLAGS=-mod=mod go install "github.com/johannesboyne/gofakes3/cmd/gofakes3@$VERSION"
rm -rf "$TARGET"
mv "$TARGET.tmp" "$TARGET"
echo "gofakes3 $VERSION built at $TARGET"
