#!/usr/bin/env bash
# Makes the benchmark's pinned Python environment .cache/bench-venv (git-ignored) for the chart, and brings it
# to the pins of chart-requirements.txt. Exit status 3: python3 cannot make a venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.cache/bench-venv"
# The pins the environment was last brought to: when they are unchanged, pip is not asked again.
stamp="$venv/pins.sha256"
pins="$(cat "$0" "$root/benchmarks/chart-requirements.txt" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/pip" ]; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >&2; then
    rm -rf "$venv"
    echo "python3 cannot make a virtual environment (Debian: apt-get install python3-venv)" >&2
    exit 3
  fi
fi
if [ "$(cat "$stamp" 2>/dev/null)" = "$pins" ]; then exit 0; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$root/benchmarks/chart-requirements.txt" >&2
echo "$pins" >"$stamp"
