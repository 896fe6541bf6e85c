#!/usr/bin/env bash
# Makes the pinned Python tools environment .cache/tools-venv (git-ignored) and brings it to the pins.
# Used by make-fixtures.sh and by `ovspeech prepare`. Exit status 3: python3 cannot make a venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.cache/tools-venv"
if [ ! -x "$venv/bin/pip" ]; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >&2; then
    rm -rf "$venv"
    echo "python3 cannot make a virtual environment (Debian: apt-get install python3-venv)" >&2
    exit 3
  fi
fi
# torch==2.13.0 first: pip takes the CPU build on disk; --no-deps keeps every other version as pinned.
"$venv/bin/pip" install --quiet --disable-pip-version-check torch==2.13.0 >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$root/tools/requirements.txt" >&2
