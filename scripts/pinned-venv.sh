#!/usr/bin/env bash
# Makes a pinned Python environment and brings it to its pins:
#   scripts/pinned-venv.sh VENV PINS_FILE... -- PIP_INSTALL_ARGUMENT...
# The hash of the PINS_FILEs (the requirement files, and the calling script) is kept in VENV/pins.sha256: when
# it is unchanged, pip is not asked again (it takes seconds to find that nothing needs installing).
# Exit status 3: python3 cannot make a venv.
set -euo pipefail
venv="$1"
shift
files=("$0")
while [ "$1" != "--" ]; do
  files+=("$1")
  shift
done
shift
stamp="$venv/pins.sha256"
pins="$(cat "${files[@]}" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$venv/bin/pip" ]; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >&2; then
    rm -rf "$venv"
    echo "python3 cannot make a virtual environment (Debian: apt-get install python3-venv)" >&2
    exit 3
  fi
fi
if [ "$(cat "$stamp" 2>/dev/null)" = "$pins" ]; then exit 0; fi
rm -f "$stamp"
"$venv/bin/pip" install --quiet --disable-pip-version-check "$@" >&2
echo "$pins" >"$stamp"
