#!/usr/bin/env bash
# Makes the chart's pinned test tools environment .cache/deploy-venv (git-ignored) and brings it to
# deploy/requirements.txt: every package of it pinned with its hashes (--require-hashes), wheels only. Used by
# deploy/check_chart.py and `npm run test:setup`; when the pins are those of the last install, it returns at once.
# Exit status 3: python3 cannot make a venv.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
requirements="$root/deploy/requirements.txt"
exec bash "$root/scripts/pinned-venv.sh" "$root/.cache/deploy-venv" "$0" "$requirements" -- --require-hashes --only-binary :all: -r "$requirements"
