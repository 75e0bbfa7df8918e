#!/usr/bin/env bash
# The three Python services: one uvicorn process each, in the background, with a pid file and a log.
# Usage: deploy/services.sh start|stop|status [NAME...]   (NAME: enrollment subsidy billing; default all)
set -euo pipefail
source "$(dirname "$0")/env.sh"

port_of() { local var="TUOYU_${1^^}_PORT"; echo "${!var}"; }
pidfile() { echo "$RUN/$1.pid"; }
# What the process's command line must contain: guards against a stale pid now used by another program.
# The port is part of it: test worlds run the same command on other ports and must never be taken for ours.
pattern() { echo "$VENV/bin/uvicorn $1.app:create_app --factory --host 127.0.0.1 --port $(port_of "$1")"; }

# ready PORT: GET /ready answers 2xx (urllib raises on anything else).
ready() {
  "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$1/ready" 2>/dev/null
}

fail() { say "$1: last lines of $LOGS/$1.log:"; tail -n 20 "$LOGS/$1.log" >&2; die "$1: $2"; }

start() {
  local name port pid started=()
  [[ -x $VENV/bin/uvicorn ]] || die "$VENV has no uvicorn: run deploy/bootstrap.sh (make up does)"
  ensure_secrets
  cd "$ROOT"
  for name in "$@"; do
    port=$(port_of "$name")
    if pid=$(running_pid "$(pidfile "$name")" "$(pattern "$name")"); then
      say "$name: already running (pid $pid)"; continue
    fi
    port_open "$port" && die "$name: port $port is taken by a process these scripts did not start"
    say "$name: starting on 127.0.0.1:$port"
    # setsid: the service outlives this shell and ignores a Ctrl-C meant for make.
    setsid "$VENV/bin/uvicorn" "$name.app:create_app" --factory --host 127.0.0.1 --port "$port" \
      >>"$LOGS/$name.log" 2>&1 </dev/null &
    echo $! >"$(pidfile "$name")"
    started+=("$name")
  done
  # All start in parallel; each must then be ready within 60 s.
  local deadline=$((SECONDS + 60))
  for name in "${started[@]}"; do
    until ready "$(port_of "$name")"; do
      running_pid "$(pidfile "$name")" "$(pattern "$name")" >/dev/null || fail "$name" "exited while starting"
      ((SECONDS < deadline)) || fail "$name" "GET /ready did not answer 200 within 60 s"
      sleep 0.5
    done
    say "$name: ready"
  done
}

stop() { local name; for name in "$@"; do stop_pid "$(pidfile "$name")" "$(pattern "$name")" "$name"; done; }

status() {
  local name pid
  for name in "$@"; do
    if pid=$(running_pid "$(pidfile "$name")" "$(pattern "$name")"); then
      printf '%-11s running  pid %-7s port %s\n' "$name" "$pid" "$(port_of "$name")"
    else
      printf '%-11s stopped  %-11s port %s\n' "$name" '' "$(port_of "$name")"
    fi
  done
}

cmd=${1:-}
shift || true
(($#)) || set -- enrollment subsidy billing
for name in "$@"; do
  [[ $name =~ ^(enrollment|subsidy|billing)$ ]] || die "unknown service '$name': enrollment, subsidy or billing"
done
case $cmd in
  start | stop | status) "$cmd" "$@" ;;
  *) die "usage: $0 start|stop|status [enrollment|subsidy|billing ...]" ;;
esac
