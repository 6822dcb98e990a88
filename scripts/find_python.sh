#!/usr/bin/env bash
# Print the path of a working Python 3.10 interpreter (Rasa 3.6 needs exactly 3.10).
# Looks on PATH first, then in pyenv's versions folder; explains what to install if neither has it.
set -euo pipefail

works() { "$1" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1; }

for candidate in "${PYTHON310:-}" python3.10 python3; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null || true)
  if [ -n "$path" ] && works "$path"; then echo "$path"; exit 0; fi
done

pyenv_root=$( (command -v pyenv >/dev/null 2>&1 && pyenv root) || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for path in $(ls -d "$pyenv_root"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V -r); do
  if works "$path"; then echo "$path"; exit 0; fi
done

cat >&2 <<'MSG'
Python 3.10 was not found (Rasa 3.6 runs on Python 3.10 only; 3.11 fails to install).
Install it with one of:
  - pyenv:   pyenv install 3.10.13
  - Debian/Ubuntu: apt-get install python3.10 python3.10-venv   (deadsnakes PPA on Ubuntu)
  - macOS:   brew install python@3.10
or point PYTHON310 at an interpreter: PYTHON310=/path/to/python3.10 make run
MSG
exit 1
