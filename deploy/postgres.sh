#!/usr/bin/env bash
# The stack's own PostgreSQL: a private data dir and port, so it never touches Debian's cluster.
# TUOYU_PG_NODES=2: a primary, its synchronous standby and a monitor that fails over (deploy/pg_cluster.sh).
# Usage: deploy/postgres.sh install|start|stop|status|wipe
set -euo pipefail
source "$(dirname "$0")/env.sh"

PG_LOG=$LOGS/postgres.log
# PostgreSQL refuses to run as root; as root we act as the postgres user.
# AS_PG_EXEC replaces itself by the command (no process stays between), so a background job's $! is the command's.
if [[ $(id -u) -eq 0 ]]; then
  AS_PG=(runuser -u postgres --)
  AS_PG_EXEC=(setpriv --reuid=postgres --regid=postgres --init-groups)
else
  AS_PG=()
  AS_PG_EXEC=()
fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

install_if_missing() {
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return
  # Debian's package would also create and start a "main" cluster on 5432; we never use it.
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/tuoyu.conf
  apt_install postgresql
}

# pg_home [DIR]: $TUOYU_STACK_DIR/DIR (default pg), where the data lives, unless the postgres user cannot reach it
# (a checkout under a 0700 home): then in postgres' own home, under a name derived from the stack dir and DIR.
pg_home() {
  local home=$TUOYU_STACK_DIR/${1:-pg}
  if [[ $(id -u) -eq 0 ]] && id postgres >/dev/null 2>&1; then
    install -d -o postgres -g postgres -m 700 "$home"
    if ! runuser -u postgres -- test -w "$home"; then
      home=/var/lib/postgresql/tuoyu-$(printf %s "$TUOYU_STACK_DIR" | md5sum | cut -c1-8)${1:+-${1//\//-}}
      install -d -o postgres -g postgres -m 700 "$home"
    fi
  fi
  echo "$home"
}

# put FILE: write stdin to FILE inside the data dir, owned by the server's user.
put() { cat >"$1"; [[ $(id -u) -ne 0 ]] || chown postgres: "$1"; }

locate() { HOME_DIR=$(pg_home); DATA=$HOME_DIR/data; SOCK=$HOME_DIR/socket; }
[[ $TUOYU_PG_NODES != 1 ]] || locate   # the formation has its own dirs (pg_cluster.sh)

is_running() { [[ -n $(pg_bin) && -s $DATA/PG_VERSION ]] && "${AS_PG[@]}" "$(pg_bin)/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

start() {
  ! cluster_running || die "the two-node formation runs (TUOYU_PG_NODES=2): stop it first (deploy/postgres.sh stop)"
  install_if_missing
  locate   # again: the install may have just created the postgres user
  local bin; bin=$(pg_bin)
  "${AS_PG[@]}" mkdir -p "$SOCK"
  if [[ ! -s $DATA/PG_VERSION ]]; then
    say "postgres: initdb into $DATA"
    "${AS_PG[@]}" "$bin/initdb" -D "$DATA" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1 || die "initdb failed, see $PG_LOG"
    echo "include = 'tuoyu.conf'" >>"$DATA/postgresql.conf"
  fi
  # Rewritten on every start, so a changed port or setting applies without a reset.
  put "$DATA/tuoyu.conf" <<EOF
# Written by deploy/postgres.sh on each start: edit it there.
listen_addresses = '127.0.0.1'
port = $TUOYU_PG_PORT
unix_socket_directories = '$SOCK'
max_connections = 200
shared_buffers = 256MB
# Durability as in production, so tests see what production would.
fsync = on
synchronous_commit = on
# The server's stderr is already logs/postgres.log (pg_ctl's output, below).
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
EOF
  put "$DATA/pg_hba.conf" <<'EOF'
# Written by deploy/postgres.sh on each start. Admin over the socket; everyone else with a password.
local  all  postgres                trust
local  all  all                     scram-sha-256
host   all  all       127.0.0.1/32  scram-sha-256
EOF
  if is_running; then
    say "postgres: already running (pid $(head -n1 "$DATA/postmaster.pid"))"
  else
    port_open "$TUOYU_PG_PORT" && die "port $TUOYU_PG_PORT is taken by a process these scripts did not start"
    say "postgres: starting on 127.0.0.1:$TUOYU_PG_PORT"
    # No -l: the server inherits this redirect, which root opens, so logs/ need not be postgres'.
    "${AS_PG[@]}" "$bin/pg_ctl" -D "$DATA" -w -t 60 start >>"$PG_LOG" 2>&1 </dev/null ||
      { tail -n 20 "$PG_LOG" >&2; die "postgres did not start, see $PG_LOG"; }
  fi
  # Role and databases; the SQL is read through stdin so the postgres user needs no access to the repo.
  "${AS_PG[@]}" "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$TUOYU_PG_PORT" -U postgres -d postgres \
    <"$ROOT/deploy/postgres-init.sql" >/dev/null || die "could not create the tuoyu role and databases"
}

stop() {
  if is_running; then
    say "postgres: stopping"
    "${AS_PG[@]}" "$(pg_bin)/pg_ctl" -D "$DATA" -m fast -w stop >>"$PG_LOG" 2>&1
  fi
}

status() {
  if is_running; then
    printf '%-11s running  pid %-7s port %s\n' postgres "$(head -n1 "$DATA/postmaster.pid")" "$TUOYU_PG_PORT"
  else
    printf '%-11s stopped  %-11s port %s\n' postgres '' "$TUOYU_PG_PORT"
  fi
}

wipe() { stop; rm -rf "$DATA" "$SOCK"; say "postgres: data deleted"; }

source "$(dirname "$0")/pg_cluster.sh"
case ${TUOYU_PG_NODES}:${1:-} in
  1:install) install_if_missing ;;
  1:start | 1:status | 1:wipe) "$1" ;;
  # Whichever layout runs, as `make down` may not be given the setting `make up` was.
  [12]:stop)
    locate
    stop
    if cluster_running; then cluster_locate; cluster_stop; fi
    ;;
  2:install | 2:start | 2:status | 2:wipe)
    cluster_locate
    "cluster_$1"
    ;;
  [12]:*) die "usage: $0 install|start|stop|status|wipe" ;;
  *) die "TUOYU_PG_NODES is 1 (one server) or 2 (primary and standby), not $TUOYU_PG_NODES" ;;
esac
