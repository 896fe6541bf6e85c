#!/usr/bin/env bash
# Regenerates the test fixtures in a pinned Python environment (.cache/tools-venv, git-ignored).
# Usage: tools/make-fixtures.sh [--real whisper-base speecht5-tts ...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.cache/tools-venv"
for tool in espeak-ng sox ffmpeg; do
  command -v "$tool" >/dev/null || { echo "make-fixtures: $tool is missing (Debian: apt-get install espeak-ng sox ffmpeg)" >&2; exit 1; }
done
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
# torch==2.13.0 first: pip takes the CPU build on disk; --no-deps keeps every other version as pinned.
"$venv/bin/pip" install --quiet --disable-pip-version-check torch==2.13.0
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$root/tools/requirements.txt"
cd "$root/tools"
PYTHONHASHSEED=0 "$venv/bin/python" make_fixtures.py "$@"
