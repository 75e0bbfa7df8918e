# shellcheck shell=bash disable=SC2034  # sourced: the variables are used by the scripts that source it
# Sourced by every deploy/*.sh: the stack's defaults and a few helpers.
# Each setting comes from the environment when set, so CI or a second checkout can move ports and paths.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export TUOYU_STACK_DIR=${TUOYU_STACK_DIR:-$ROOT/.stack}
export TUOYU_PG_HOST=${TUOYU_PG_HOST:-127.0.0.1}
export TUOYU_PG_PORT=${TUOYU_PG_PORT:-55432}
# 1: one PostgreSQL server on TUOYU_PG_PORT; 2: a pg_auto_failover formation (deploy/pg_cluster.sh): data node I
# (from 1) on TUOYU_PG_PORT + I - 1, one synchronous standby, the monitor on TUOYU_PG_PORT + 9.
export TUOYU_PG_NODES=${TUOYU_PG_NODES:-1}
pg_node_port() { echo $((TUOYU_PG_PORT + $1 - 1)); }
pg_monitor_port() { echo $((TUOYU_PG_PORT + 9)); }
# The Python settings read every data node's address; the client keeps to the one that takes writes.
if [[ -z ${TUOYU_PG_HOSTS:-} ]]; then
  TUOYU_PG_HOSTS=$TUOYU_PG_HOST:$TUOYU_PG_PORT
  for ((node = 2; node <= TUOYU_PG_NODES; node++)); do TUOYU_PG_HOSTS+=,$TUOYU_PG_HOST:$(pg_node_port "$node"); done
  export TUOYU_PG_HOSTS
fi
export TUOYU_KAFKA_PORT=${TUOYU_KAFKA_PORT:-59092}
export TUOYU_KAFKA_CONTROLLER_PORT=${TUOYU_KAFKA_CONTROLLER_PORT:-59093}
# 1: one KRaft node, broker and controller in one JVM; 3: three such nodes on loopback (deploy/kafka.sh).
export TUOYU_KAFKA_BROKERS=${TUOYU_KAFKA_BROKERS:-1}
# kafka_port I / kafka_controller_port I: node I (from 1) takes the ports two above node I-1's,
# so node 1 keeps the two ports above and a cluster needs no further setting.
kafka_port() { echo $((TUOYU_KAFKA_PORT + 2 * ($1 - 1))); }
kafka_controller_port() { echo $((TUOYU_KAFKA_CONTROLLER_PORT + 2 * ($1 - 1))); }
# The Python settings read the bootstrap address, not the port: every node's, so a client starts with any alive.
if [[ -z ${TUOYU_KAFKA_BOOTSTRAP:-} ]]; then
  TUOYU_KAFKA_BOOTSTRAP=127.0.0.1:$TUOYU_KAFKA_PORT
  for ((node = 2; node <= TUOYU_KAFKA_BROKERS; node++)); do TUOYU_KAFKA_BOOTSTRAP+=,127.0.0.1:$(kafka_port "$node"); done
  export TUOYU_KAFKA_BOOTSTRAP
fi
export TUOYU_ENROLLMENT_PORT=${TUOYU_ENROLLMENT_PORT:-8101}
export TUOYU_SUBSIDY_PORT=${TUOYU_SUBSIDY_PORT:-8102}
export TUOYU_BILLING_PORT=${TUOYU_BILLING_PORT:-8103}
# Processes per service. 1: one uvicorn on the port above. N >= 2: instance I on that port + 100*I, and HAProxy
# on the port above in front of them (deploy/services.sh), so the URLs below stay each service's one address.
export TUOYU_INSTANCES=${TUOYU_INSTANCES:-1}
[[ $TUOYU_INSTANCES =~ ^[1-9]$ ]] || { echo "[tuoyu] error: TUOYU_INSTANCES must be 1 to 9, not '$TUOYU_INSTANCES'" >&2; exit 1; }
# The services and the CLI find each other by URL; keep those in step with the ports above.
export TUOYU_ENROLLMENT_URL=${TUOYU_ENROLLMENT_URL:-http://127.0.0.1:$TUOYU_ENROLLMENT_PORT}
export TUOYU_SUBSIDY_URL=${TUOYU_SUBSIDY_URL:-http://127.0.0.1:$TUOYU_SUBSIDY_PORT}
export TUOYU_BILLING_URL=${TUOYU_BILLING_URL:-http://127.0.0.1:$TUOYU_BILLING_PORT}

LOGS=$TUOYU_STACK_DIR/logs
RUN=$TUOYU_STACK_DIR/run
VENV=$ROOT/.venv
mkdir -p "$LOGS" "$RUN"

say() { echo "[tuoyu] $*" >&2; }
die() { echo "[tuoyu] error: $*" >&2; exit 1; }

# running_pid PIDFILE PATTERN: print the pid in PIDFILE if that process is alive and its command line
# contains PATTERN (a stale pid file may name a pid that now belongs to something else).
running_pid() {
  local pid
  [[ -s $1 ]] || return 1
  pid=$(head -n1 "$1")
  [[ $pid =~ ^[0-9]+$ ]] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$2" || return 1
  echo "$pid"
}

# stop_pid PIDFILE PATTERN NAME: TERM, wait up to 30 s, then KILL; removes the pid file.
stop_pid() {
  local pid i
  if pid=$(running_pid "$1" "$2"); then
    say "stopping $3 (pid $pid)"
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "$3 ignored TERM, killing"; kill -9 "$pid" || true; fi
  fi
  rm -f "$1"
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT (bash only, no nc needed).
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# ensure_secrets: the settings give secrets no default (shared/tuoyu/settings.py); the services, the
# tests and the CLI read them from $TUOYU_STACK_DIR/secrets.env. Made once, random, kept across resets.
ensure_secrets() {
  local file=$TUOYU_STACK_DIR/secrets.env
  token() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='; }
  if [[ ! -s $file ]]; then
    (umask 077 && printf 'TUOYU_ADMIN_KEY=adm_%s\nTUOYU_FINANCE_KEY=fin_%s\nTUOYU_OPERATOR_KEY=opr_%s\nTUOYU_HASH_PEPPER=%s\n' \
      "$(token)" "$(token)" "$(token)" "$(token)" >"$file")
    say "wrote local secrets to $file"
  elif ! grep -q '^TUOYU_OPERATOR_KEY=' "$file"; then
    # A stack made before the operator key existed (issue 13): add it, keep the others.
    printf 'TUOYU_OPERATOR_KEY=opr_%s\n' "$(token)" >>"$file"
    say "added the platform operator's key to $file"
  fi
}

# apt_install PKG...: Debian packages, non-interactive; only called when something is missing.
apt_install() {
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install $*"
  say "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# haproxy_bin: Debian's HAProxy, installed first if missing (several instances per service sit behind it).
haproxy_bin() {
  [[ -x /usr/sbin/haproxy ]] || command -v haproxy >/dev/null || apt_install haproxy
  command -v haproxy || echo /usr/sbin/haproxy
}
