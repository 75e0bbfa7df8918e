#!/usr/bin/env bash
# Installs whatever the stack needs and this machine lacks: the project's .venv, Debian's PostgreSQL,
# the Kafka jars, Debian's Chromium and axe-core for the browser tests, and Debian's HAProxy when TUOYU_INSTANCES
# asks for several instances. Quick when everything is there, so `make up` and `make test` always run it.
set -euo pipefail
source "$(dirname "$0")/env.sh"

PY=${TUOYU_PYTHON:-python3.11}
STAMP=$VENV/.tuoyu-pip-stamp   # newer than pyproject.toml: the installed dependencies are current
AXE_VERSION=4.14.1             # axe-core, the browser tests' accessibility check (vendored from npm below)

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
# axe-core from npm, the one file the browser tests inject into the pages they check; the version named once above.
vendor_axe() {
  local dir=$TUOYU_STACK_DIR/vendor tmp
  [[ -s $dir/axe.min.js && $(cat "$dir/axe.version" 2>/dev/null) == "$AXE_VERSION" ]] && return
  command -v npm >/dev/null || apt_install npm
  say "vendoring axe-core $AXE_VERSION from npm into $dir"
  mkdir -p "$dir"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null && tar -xzf "axe-core-$AXE_VERSION.tgz") || {
    rm -rf "$tmp"
    die "npm could not fetch axe-core@$AXE_VERSION (the browser tests need it): is the npm registry reachable?"
  }
  [[ -s $tmp/package/axe.min.js ]] || { rm -rf "$tmp"; die "axe-core@$AXE_VERSION from npm has no axe.min.js"; }
  mv "$tmp/package/axe.min.js" "$dir/axe.min.js" && echo "$AXE_VERSION" >"$dir/axe.version"
  rm -rf "$tmp"
}
vendor_axe
"$ROOT/deploy/kafka.sh" fetch
# Several instances of each service sit behind Debian's HAProxy (deploy/services.sh); one needs none.
((TUOYU_INSTANCES == 1)) || haproxy_bin >/dev/null
