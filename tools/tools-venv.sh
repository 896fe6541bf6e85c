#!/usr/bin/env bash
# Makes the pinned Python tools environment .cache/tools-venv (git-ignored) and brings it to the pins.
# Used by make-fixtures.sh, `ovspeech prepare` and `ovspeech import`. Exit status 3: python3 cannot make a venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.cache/tools-venv"
# The pins the environment was last brought to, beside it: when they are unchanged, pip is not asked again
# (it takes seconds to find that nothing needs installing, on every import).
stamp="$root/.cache/tools-venv.pins.sha256"
pins="$(cat "$0" "$root/tools/requirements.txt" "$root/native/openvino-requirements.txt" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/pip" ]; then
  rm -rf "$venv" "$stamp"
  if ! python3 -m venv "$venv" >&2; then
    rm -rf "$venv"
    echo "python3 cannot make a virtual environment (Debian: apt-get install python3-venv)" >&2
    exit 3
  fi
fi
if [ "$(cat "$stamp" 2>/dev/null)" = "$pins" ]; then exit 0; fi
# torch==2.13.0 first: pip takes the CPU build on disk; --no-deps keeps every other version as pinned.
"$venv/bin/pip" install --quiet --disable-pip-version-check torch==2.13.0 >&2
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$root/tools/requirements.txt" >&2
echo "$pins" >"$stamp"
