#!/bin/sh
# The login flow against a real Secret Service: a private D-Bus session with its own
# gnome-keyring-daemon, so the user's keyring is never touched.
#
#   sh tests/scripts/secret_service_session.sh
#
# The caller isolates the environment first: HOME, XDG_DATA_HOME, XDG_CONFIG_HOME,
# XDG_RUNTIME_DIR (an existing 0700 directory), ARANGETRAM_CONFIG_DIR,
# ARANGETRAM_DATA_DIR, ARANGETRAM_BCRYPT_ROUNDS, no PYTHON_KEYRING_BACKEND. ARANGETRAM (the
# command to run, default `arangetram`) and PYTHON (default `python3`) may be set.
#
# Prints KEY=value lines (TOKEN, WHOAMI, LOOKUP, ...) for tests/test_keyring_secret_service.py;
# the CLI's own stderr goes to stderr. Exits non-zero on the first step that fails.
set -eu

if [ "${1:-}" != "--inside" ]; then
    for cmd in dbus-run-session gnome-keyring-daemon secret-tool; do
        command -v "$cmd" >/dev/null 2>&1 || { echo "MISSING=$cmd"; exit 77; }
    done
    exec dbus-run-session -- sh "$0" --inside
fi

ARANGETRAM=${ARANGETRAM:-arangetram}
PYTHON=${PYTHON:-python3}
EMAIL=${EMAIL:-keyring.test@example.com}

step() { echo "STEP=$1"; }

step daemon
# --unlock reads the login keyring's password from stdin, creating that keyring (the default
# collection) if needed; an empty password is refused, so feed a known one. With only the
# secrets component it usually prints nothing; export whatever it prints.
daemon_env=$(printf '%s' 'arangetram-test' | gnome-keyring-daemon --unlock --components=secrets)
if [ -n "$daemon_env" ]; then
    while IFS= read -r assignment; do
        case $assignment in *=*) export "$assignment" ;; esac
    done <<EOF_ENV
$daemon_env
EOF_ENV
fi

step seed
$ARANGETRAM seed >/dev/null

step register
echo 'correct horse battery' |
    $ARANGETRAM auth register --email "$EMAIL" --name 'Keyring Test' --password-stdin >/dev/null

step whoami
echo "WHOAMI=$($ARANGETRAM auth whoami --json | tr -d '\n')"

step token
token=$($ARANGETRAM auth token)
echo "TOKEN=$token"

step lookup
# one entry per profile and backend: username PROFILE@BACKEND
backend=$($ARANGETRAM auth whoami --json | $PYTHON -c 'import json, sys; print(json.load(sys.stdin)["backend"])')
account="default@$backend"
echo "LOOKUP=$(secret-tool lookup service arangetram username "$account")"
echo "PYLOOKUP=$($PYTHON -c 'import keyring, sys; print(keyring.get_password("arangetram", sys.argv[1]))' "$account")"
echo "KEYRING=$($PYTHON -c 'import keyring; print(type(keyring.get_keyring()).__name__)')"

step grep
# The token must live only in the keyring: no plain file anywhere we control holds it.
hits=$(grep -rlF -- "$token" "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" \
    "$ARANGETRAM_CONFIG_DIR" "$ARANGETRAM_DATA_DIR" 2>/dev/null | sort -u | tr '\n' ' ' || true)
echo "FILES_WITH_TOKEN=$hits"

step logout
$ARANGETRAM auth logout
echo "AFTER_LOGOUT=$(secret-tool lookup service arangetram username "$account" || true)"
if $ARANGETRAM auth token >/dev/null 2>&1; then
    echo "TOKEN_AFTER_LOGOUT=yes"
else
    echo "TOKEN_AFTER_LOGOUT=no"
fi
step done
