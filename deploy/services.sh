#!/usr/bin/env bash
# The three Python services, in the background, each process with a pid file and a log. TUOYU_INSTANCES=1 (the
# default): one uvicorn per service on TUOYU_<S>_PORT. TUOYU_INSTANCES=N: N per service, instance I on
# TUOYU_<S>_PORT+100*I, and one HAProxy on every TUOYU_<S>_PORT in front of them (shared/tuoyu/haproxy.py).
# Usage: deploy/services.sh start|stop|status [NAME...]   (NAME: enrollment subsidy billing; default all)
set -euo pipefail
source "$(dirname "$0")/env.sh"

ALL=(enrollment subsidy billing)
N=$TUOYU_INSTANCES
HAPROXY_CFG=$RUN/haproxy.cfg
HAPROXY_PID=$RUN/haproxy.pid
HAPROXY_SOCK=$RUN/haproxy.sock

# Instance I of NAME: I is 0 for the lone process of TUOYU_INSTANCES=1, 1..N otherwise.
port_of() { local var="TUOYU_${1^^}_PORT"; echo "${!var}"; }
instance_port() { echo $(($(port_of "$1") + 100 * $2)); }
instance_name() { if (($2 == 0)); then echo "$1"; else echo "$1-$2"; fi; }
pidfile() { echo "$RUN/$(instance_name "$1" "$2").pid"; }
logfile() { echo "$LOGS/$(instance_name "$1" "$2").log"; }
# The instances this setting runs: 0 alone, or 1..N.
instances() { if ((N == 1)); then echo 0; else seq 1 "$N"; fi; }
# The instances a pid file exists for, whatever TUOYU_INSTANCES was when they started.
recorded() {
  local f i
  [[ -e $RUN/$1.pid ]] && echo 0
  for f in "$RUN/$1"-*.pid; do
    [[ -e $f ]] || continue
    i=${f##*-}; i=${i%.pid}
    [[ $i =~ ^[0-9]+$ ]] && echo "$i"
  done
  return 0
}
# What the process's command line must contain: guards against a stale pid now used by another program.
# The port is part of it: test worlds run the same command on other ports and must never be taken for ours.
pattern() { echo "$VENV/bin/uvicorn $1.app:create_app --factory --host 127.0.0.1 --port $(instance_port "$1" "$2")"; }
haproxy_pattern() { echo "-db -f $HAPROXY_CFG"; }

# ready PORT: GET /ready answers 2xx (urllib raises on anything else).
ready() {
  "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "http://127.0.0.1:$1/ready" 2>/dev/null
}

fail() { say "$1: last lines of $2:"; tail -n 20 "$2" >&2; die "$1: $3"; }

# refuse_other_layout NAME: instances started under another TUOYU_INSTANCES still run (their ports would clash).
refuse_other_layout() {
  local i
  for i in $(recorded "$1"); do
    [[ " $(instances | tr '\n' ' ') " == *" $i "* ]] && continue
    running_pid "$(pidfile "$1" "$i")" "$(pattern "$1" "$i")" >/dev/null &&
      die "$(instance_name "$1" "$i") runs from another TUOYU_INSTANCES: run 'deploy/services.sh stop' first"
  done
  return 0
}

start() {
  local name i port pid started=()
  [[ -x $VENV/bin/uvicorn ]] || die "$VENV has no uvicorn: run deploy/bootstrap.sh (make up does)"
  ensure_secrets
  cd "$ROOT"
  for name in "$@"; do refuse_other_layout "$name"; done
  if ((N == 1)) && running_pid "$HAPROXY_PID" "$(haproxy_pattern)" >/dev/null; then
    die "haproxy runs from another TUOYU_INSTANCES: run 'deploy/services.sh stop' first"
  fi
  for name in "$@"; do
    for i in $(instances); do
      port=$(instance_port "$name" "$i")
      if pid=$(running_pid "$(pidfile "$name" "$i")" "$(pattern "$name" "$i")"); then
        say "$(instance_name "$name" "$i"): already running (pid $pid)"; continue
      fi
      port_open "$port" && die "$(instance_name "$name" "$i"): port $port is taken by a process these scripts did not start"
      say "$(instance_name "$name" "$i"): starting on 127.0.0.1:$port"
      # setsid: the service outlives this shell and ignores a Ctrl-C meant for make.
      setsid "$VENV/bin/uvicorn" "$name.app:create_app" --factory --host 127.0.0.1 --port "$port" \
        >>"$(logfile "$name" "$i")" 2>&1 </dev/null &
      echo $! >"$(pidfile "$name" "$i")"
      started+=("$name:$i")
    done
  done
  # All start in parallel; each must then be ready within 60 s.
  local deadline=$((SECONDS + 60)) one
  for one in "${started[@]}"; do
    name=${one%:*} i=${one#*:}
    until ready "$(instance_port "$name" "$i")"; do
      running_pid "$(pidfile "$name" "$i")" "$(pattern "$name" "$i")" >/dev/null ||
        fail "$(instance_name "$name" "$i")" "$(logfile "$name" "$i")" "exited while starting"
      ((SECONDS < deadline)) || fail "$(instance_name "$name" "$i")" "$(logfile "$name" "$i")" \
        "GET /ready did not answer 200 within 60 s"
      sleep 0.5
    done
    say "$(instance_name "$name" "$i"): ready"
  done
  ((N == 1)) || start_proxy "$@"
}

# up_in_proxy NAME...: the proxy sends to every instance of each NAME (its checks passed).
up_in_proxy() {
  "$VENV/bin/python" -m tuoyu.haproxy states "$HAPROXY_SOCK" 2>/dev/null |
    awk -v names=" $* " '{s = $1; sub(/-[0-9]+$/, "", s)} index(names, " " s " ") {n++; if ($2 != "UP") bad = 1}
                         END {exit bad || n == 0}'
}

# start_proxy NAME...: HAProxy on every service's port, in front of all three services' instances (started again
# if it runs with other instances, a new TUOYU_INSTANCES); waits until the NAMEs' instances are up in it.
start_proxy() {
  local name i pid args=() haproxy
  for name in "${ALL[@]}"; do
    args+=("$name=$(port_of "$name"):$(for i in $(instances); do instance_port "$name" "$i"; done | paste -sd,)")
  done
  "$VENV/bin/python" -m tuoyu.haproxy config --stats-socket "$HAPROXY_SOCK" "${args[@]}" >"$HAPROXY_CFG.new"
  if pid=$(running_pid "$HAPROXY_PID" "$(haproxy_pattern)"); then
    if cmp -s "$HAPROXY_CFG.new" "$HAPROXY_CFG"; then
      say "haproxy: already running (pid $pid)"
    else
      say "haproxy: runs with other instances; starting it again"
      stop_pid "$HAPROXY_PID" "$(haproxy_pattern)" haproxy
    fi
  fi
  if running_pid "$HAPROXY_PID" "$(haproxy_pattern)" >/dev/null; then
    rm -f "$HAPROXY_CFG.new"
  else
    haproxy=$(haproxy_bin)
    for name in "${ALL[@]}"; do
      port_open "$(port_of "$name")" && die "haproxy: port $(port_of "$name") is taken by a process these scripts did not start"
    done
    mv "$HAPROXY_CFG.new" "$HAPROXY_CFG"
    say "haproxy: starting on ports $(for name in "${ALL[@]}"; do port_of "$name"; done | paste -sd' ')"
    # -db: in the foreground of its own session; it logs to stdout, which is the log file.
    setsid "$haproxy" -db -f "$HAPROXY_CFG" >>"$LOGS/haproxy.log" 2>&1 </dev/null &
    echo $! >"$HAPROXY_PID"
  fi
  local deadline=$((SECONDS + 30))
  until up_in_proxy "$@"; do
    running_pid "$HAPROXY_PID" "$(haproxy_pattern)" >/dev/null || fail haproxy "$LOGS/haproxy.log" "exited while starting"
    ((SECONDS < deadline)) || fail haproxy "$LOGS/haproxy.log" "not every instance is up in the proxy within 30 s"
    sleep 0.5
  done
  say "haproxy: every instance of $* up"
}

# stop NAME...: every instance of NAME, whatever TUOYU_INSTANCES started it; the proxy once no service runs.
stop() {
  local name i
  for name in "$@"; do
    for i in $(recorded "$name"); do
      stop_pid "$(pidfile "$name" "$i")" "$(pattern "$name" "$i")" "$(instance_name "$name" "$i")"
    done
  done
  for name in "${ALL[@]}"; do [[ -n $(recorded "$name") ]] && return; done
  stop_pid "$HAPROXY_PID" "$(haproxy_pattern)" haproxy
  rm -f "$HAPROXY_SOCK"
}

status() {
  local name i pid states="" state width=11 ports
  ((N == 1)) || width=13
  ports=$(for name in "${ALL[@]}"; do port_of "$name"; done | paste -sd,)
  if pid=$(running_pid "$HAPROXY_PID" "$(haproxy_pattern)"); then
    states=$("$VENV/bin/python" -m tuoyu.haproxy states "$HAPROXY_SOCK" 2>/dev/null || true)
  fi
  for name in "$@"; do
    for i in $( (instances; recorded "$name") | sort -nu); do
      state=$(awk -v s="$(instance_name "$name" "$i")" '$1 == s {print "  proxy: " $2}' <<<"$states")
      if pid=$(running_pid "$(pidfile "$name" "$i")" "$(pattern "$name" "$i")"); then
        printf '%-*s running  pid %-7s port %s%s\n' "$width" "$(instance_name "$name" "$i")" "$pid" \
          "$(instance_port "$name" "$i")" "$state"
      else
        printf '%-*s stopped  %-11s port %s%s\n' "$width" "$(instance_name "$name" "$i")" '' \
          "$(instance_port "$name" "$i")" "$state"
      fi
    done
  done
  if pid=$(running_pid "$HAPROXY_PID" "$(haproxy_pattern)"); then
    printf '%-*s running  pid %-7s ports %s\n' "$width" haproxy "$pid" "$ports"
  elif ((N > 1)); then
    printf '%-*s stopped  %-11s ports %s\n' "$width" haproxy '' "$ports"
  fi
}

cmd=${1:-}
shift || true
(($#)) || set -- "${ALL[@]}"
for name in "$@"; do
  [[ $name =~ ^(enrollment|subsidy|billing)$ ]] || die "unknown service '$name': enrollment, subsidy or billing"
done
case $cmd in
  start | stop | status) "$cmd" "$@" ;;
  *) die "usage: $0 start|stop|status [enrollment|subsidy|billing ...]" ;;
esac
