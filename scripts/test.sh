#!/usr/bin/env bash
# Install the test dependencies and run the whole test suite (what README and .ci/run call).
# System packages the tests need (gnome-keyring, dbus) come from scripts/install-system-deps.sh;
# Python packages go into ./.venv unless a virtual environment is already active.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh

if [ -z "${VIRTUAL_ENV:-}" ]; then
  [ -x .venv/bin/python ] || python3 -m venv .venv
  # shellcheck disable=SC1091
  . .venv/bin/activate
fi
python -m pip install -q --disable-pip-version-check -e '.[test]'

ruff check arangetram_cli tests benchmarks scripts
ruff format --check arangetram_cli tests benchmarks scripts

set +e
python -m pytest -n "${PYTEST_WORKERS:-2}" -p no:cacheprovider "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "error: pytest collected no tests; refusing to pass" >&2
  exit 1
fi
exit "$rc"
