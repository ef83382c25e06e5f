#!/usr/bin/env bash
# Creates (once) a virtualenv with demo/pricing/requirements.txt for running the Python demo
# service outside Docker (tests/demo_e2e_test.ts does). It lives outside the repository:
#   ${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}/pricing-venv-<hash>
# where <hash> covers requirements.txt and the Python version. Prints the venv's path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${TRACEHOUSE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse}"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "venv.sh: $python is not installed" >&2; exit 127; }

hash="$({ "$python" --version; cat "$here/requirements.txt"; } | sha256sum | cut -c1-16)"
venv="$cache_root/pricing-venv-$hash"
mkdir -p "$cache_root"
exec 9>"$cache_root/pricing-venv.lock"
flock 9
if [[ ! -f "$venv/.complete" ]]; then
  rm -rf "$venv"
  echo "venv.sh: installing demo/pricing/requirements.txt into $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$venv/.complete"
fi
echo "$venv"
