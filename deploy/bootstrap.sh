#!/usr/bin/env bash
# Installs whatever the stack needs and this machine lacks: the project's .venv, Debian's PostgreSQL,
# the Kafka jars, and Debian's HAProxy when TUOYU_INSTANCES asks for several instances. Quick when everything
# is there, so `make up` and `make test` always run it.
set -euo pipefail
source "$(dirname "$0")/env.sh"

PY=${TUOYU_PYTHON:-python3.11}
STAMP=$VENV/.tuoyu-pip-stamp   # newer than pyproject.toml: the installed dependencies are current

command -v "$PY" >/dev/null || apt_install python3.11 python3.11-venv
if [[ ! -x $VENV/bin/python ]]; then
  say "creating $VENV with $PY"
  # Debian's own python3.11 lacks ensurepip until python3.11-venv is installed.
  "$PY" -m venv "$VENV" || { rm -rf "$VENV"; apt_install python3.11-venv; "$PY" -m venv "$VENV"; }
fi
if [[ ! $STAMP -nt $ROOT/pyproject.toml ]]; then
  say "installing the project into $VENV (pip install -e '.[dev]')"
  (cd "$ROOT" && "$VENV/bin/pip" install -q -e '.[dev]')
  touch "$STAMP"
fi
"$ROOT/deploy/postgres.sh" install
# The browser tests (tests/browser) drive Debian's Chromium through Playwright; Playwright never downloads one.
# A CJK font, so the family page's screenshot shows Chinese rather than boxes.
[[ -x /usr/bin/chromium ]] || apt_install chromium
fc-list :lang=zh 2>/dev/null | grep -q . || apt_install fonts-wqy-microhei
"$ROOT/deploy/kafka.sh" fetch
# Several instances of each service sit behind Debian's HAProxy (deploy/services.sh); one needs none.
((TUOYU_INSTANCES == 1)) || haproxy_bin >/dev/null
