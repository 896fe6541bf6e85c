#!/usr/bin/env bash
# Regenerates the test fixtures in the pinned Python environment of tools-venv.sh.
# Usage: tools/make-fixtures.sh [--real whisper-base speecht5-tts ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
for tool in espeak-ng sox ffmpeg; do
  command -v "$tool" >/dev/null || { echo "make-fixtures: $tool is missing (Debian: apt-get install espeak-ng sox ffmpeg)" >&2; exit 1; }
done
"$root/tools/tools-venv.sh"
cd "$root/tools"
PYTHONHASHSEED=0 "$root/.cache/tools-venv/bin/python" make_fixtures.py "$@"
