#!/usr/bin/env bash
# Makes the benchmark's pinned Python environment .cache/bench-venv (git-ignored) for the chart, and brings it
# to the pins of chart-requirements.txt. Exit status 3: python3 cannot make a venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/benchmarks/chart-requirements.txt"
exec bash "$root/scripts/pinned-venv.sh" "$root/.cache/bench-venv" "$0" "$requirements" -- --no-deps -r "$requirements"
