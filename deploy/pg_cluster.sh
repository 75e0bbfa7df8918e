# shellcheck shell=bash
# Sourced by deploy/postgres.sh: a pg_auto_failover formation on loopback, when TUOYU_PG_NODES=2.
# A monitor (TUOYU_PG_PORT + 9) decides; data node I (TUOYU_PG_PORT + I - 1) is the primary or its synchronous
# standby. Each part is one `pg_autoctl run` (which starts and watches its own postgres) in the background, with a
# pid file $RUN/pg-<part>.pid and a log $LOGS/pg-<part>.log. Data, pg_autoctl's config and state files under
# $TUOYU_STACK_DIR/postgres/cluster/{monitor,node1,node2,xdg}, so `wipe` leaves nothing elsewhere.

PARTS=(monitor node1 node2)
# The monitor's failure detection, shortened from pg_auto_failover's defaults (checks every 5 s, unhealthy after
# 20 s without a report, 30 s for a lost primary to drain) so a failover takes seconds. Safe as long as a primary
# cut off from the monitor and its standby demotes itself (the keeper's network_partition_timeout, 2 s here)
# before the monitor promotes the standby (node_considered_unhealthy_timeout + primary_demote_timeout, 2 s + 4 s).
MONITOR_SETTINGS="pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 500
pgautofailover.node_considered_unhealthy_timeout = 2000
pgautofailover.primary_demote_timeout = 4000"
NETWORK_PARTITION_TIMEOUT=2

cluster_install() {
  install_if_missing
  local pkgs=()
  command -v pg_autoctl >/dev/null || pkgs+=(pg-auto-failover-cli)
  compgen -G '/usr/lib/postgresql/*/lib/pgautofailover.so' >/dev/null ||
    pkgs+=("postgresql-$(basename "$(dirname "$(pg_bin)")")-auto-failover")
  ((${#pkgs[@]} == 0)) || apt_install "${pkgs[@]}"
}

cluster_locate() {
  CLUSTER=$(pg_home postgres/cluster)
  # pg_autoctl's config and state files, kept in the cluster dir.
  XDG=(env XDG_CONFIG_HOME="$CLUSTER/xdg/config" XDG_DATA_HOME="$CLUSTER/xdg/data" XDG_RUNTIME_DIR="$CLUSTER/xdg/run")
}

part_port() { if [[ $1 == monitor ]]; then pg_monitor_port; else pg_node_port "${1#node}"; fi; }
part_pid() { running_pid "$RUN/pg-$1.pid" "pg_autoctl"; }
cluster_running() { local part; for part in "${PARTS[@]}"; do part_pid "$part" >/dev/null && return; done; return 1; }

# autoctl ARGS...: pg_autoctl as the server's user.
autoctl() { "${AS_PG_EXEC[@]}" "${XDG[@]}" pg_autoctl "$@"; }

monitor_uri() { echo "postgres://autoctl_node@127.0.0.1:$(pg_monitor_port)/pg_auto_failover?sslmode=disable"; }

# monitor_sql SQL: a query on the monitor (trusted on loopback for autoctl_node), unaligned output.
monitor_sql() { "$(pg_bin)/psql" -X -At -F ' ' -d "$(monitor_uri)" -c "$1" 2>/dev/null; }

create_part() {
  local part=$1 dir=$CLUSTER/$1 bin; bin=$(pg_bin)
  say "postgres: creating $part in $dir"
  if [[ $part == monitor ]]; then
    autoctl create monitor --pgdata "$dir" --pgport "$(part_port monitor)" --hostname 127.0.0.1 \
      --auth trust --no-ssl --pgctl "$bin/pg_ctl" >>"$LOGS/pg-$part.log" 2>&1 &&
      # pg_autoctl starts the monitor's postgres with -h from this setting, which no configuration file overrides.
      autoctl config set --pgdata "$dir" postgresql.listen_addresses 127.0.0.1 >/dev/null
  else
    # --skip-pg-hba: the HBA rules are ours (conf_part); a standby copies the primary's files by pg_basebackup.
    autoctl create postgres --pgdata "$dir" --pgport "$(part_port "$part")" --listen 127.0.0.1 \
      --hostname 127.0.0.1 --name "$part" --monitor "$(monitor_uri)" --skip-pg-hba --no-ssl \
      --pgctl "$bin/pg_ctl" >>"$LOGS/pg-$part.log" 2>&1
    autoctl config set --pgdata "$dir" timeout.network_partition_timeout "$NETWORK_PARTITION_TIMEOUT" \
      >/dev/null
  fi || { tail -n 20 "$LOGS/pg-$part.log" >&2; die "pg_autoctl could not create $part, see $LOGS/pg-$part.log"; }
}

# conf_part PART: our settings after pg_auto_failover's (the last value wins), rewritten on every start.
conf_part() {
  local dir=$CLUSTER/$1
  grep -qx "include = 'tuoyu.conf'" "$dir/postgresql.conf" || echo "include = 'tuoyu.conf'" >>"$dir/postgresql.conf"
  {
    echo "# Written by deploy/pg_cluster.sh on each start: edit it there."
    # pg_auto_failover sizes memory for a machine of its own and listens everywhere: neither here.
    echo "listen_addresses = '127.0.0.1'"
    echo "logging_collector = off"
    echo "log_line_prefix = '%m [%p] %q%u@%d '"
    if [[ $1 == monitor ]]; then
      echo "shared_buffers = 32MB"
      echo "$MONITOR_SETTINGS"
    else
      printf '%s\n' "max_connections = 200" "shared_buffers = 256MB" "work_mem = 4MB" "maintenance_work_mem = 64MB" \
        "effective_cache_size = 1GB" "fsync = on" "synchronous_commit = on"
    fi
  } | put "$dir/tuoyu.conf"
  if [[ $1 == monitor ]]; then
    put "$dir/pg_hba.conf" <<'EOF'
# Written by deploy/pg_cluster.sh on each start. Admin over the socket; the keepers on loopback.
local  all               all                         trust
host   pg_auto_failover  autoctl_node  127.0.0.1/32  trust
EOF
  else
    put "$dir/pg_hba.conf" <<'EOF'
# Written by deploy/pg_cluster.sh on each start. Admin over the socket; pg_auto_failover's own users (the
# monitor's health check, streaming replication, pg_rewind) on loopback; everyone else with a password.
local  all          postgres                                trust
local  all          all                                     scram-sha-256
host   postgres     pgautofailover_monitor     127.0.0.1/32  trust
host   replication  pgautofailover_replicator  127.0.0.1/32  trust
host   postgres     pgautofailover_replicator  127.0.0.1/32  trust
host   all          all                        127.0.0.1/32  scram-sha-256
EOF
  fi
}

launch_part() {
  local part=$1 pid
  if pid=$(part_pid "$part"); then return; fi
  port_open "$(part_port "$part")" && die "port $(part_port "$part") is taken by a process these scripts did not start"
  say "postgres: starting $part on 127.0.0.1:$(part_port "$part")"
  # A simple command (not a function) in the background, and AS_PG_EXEC and env exec: $! is pg_autoctl's pid.
  "${AS_PG_EXEC[@]}" "${XDG[@]}" pg_autoctl run --pgdata "$CLUSTER/$part" >>"$LOGS/pg-$part.log" 2>&1 </dev/null &
  echo $! >"$RUN/pg-$part.pid"
}

# wait_for WHAT SECONDS COMMAND...: until COMMAND succeeds.
wait_for() {
  local what=$1 tries=$(($2 * 5)); shift 2
  until "$@" >/dev/null 2>&1; do
    ((--tries > 0)) || die "postgres: $what not ready, see $LOGS/pg-*.log"
    sleep 0.2
  done
}

primary_port() { monitor_sql "SELECT primary_port FROM pgautofailover.get_primary('default', 0)"; }
writable() { [[ -n $(primary_port) ]] && "$(pg_bin)/psql" -X -At -h /var/run/postgresql -p "$(primary_port)" \
  -U postgres -d postgres -c 'SELECT 1 WHERE NOT pg_is_in_recovery()' | grep -qx 1; }

cluster_start() {
  locate
  ! is_running || die "the single server runs (TUOYU_PG_NODES=1): stop it first (deploy/postgres.sh stop)"
  cluster_install
  cluster_locate   # again: the install may have just created the postgres user
  "${AS_PG[@]}" mkdir -p "$CLUSTER/xdg/run"
  local part
  for part in "${PARTS[@]}"; do
    if [[ ! -s $CLUSTER/$part/PG_VERSION ]]; then
      # A node registers with a running monitor; the second node copies the first, so that one must run.
      [[ $part == monitor ]] || wait_for "the monitor" 60 monitor_sql "SELECT 1"
      [[ $part != node2 ]] || wait_for "node1" 60 writable
      create_part "$part"
    fi
    conf_part "$part"
    launch_part "$part"
  done
  wait_for "a primary" 90 writable
  # The role and databases on the primary; the standby gets them by replication.
  # Retried: while a node rejoins, the monitor makes the standby synchronous and the primary reloads, which may end
  # the session mid-commit ("canceling the wait for synchronous replication"); postgres-init.sql is idempotent.
  local attempt
  for attempt in 1 2 3 4 5; do
    "${AS_PG[@]}" "$(pg_bin)/psql" -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -p "$(primary_port)" -U postgres \
      -d postgres <"$ROOT/deploy/postgres-init.sql" >/dev/null && break
    ((attempt < 5)) || die "could not create the tuoyu role and databases"
    sleep 2
    wait_for "a primary" 90 writable
  done
}

# The monitor first, so that stopping the primary does not look like a failure to fail over from.
cluster_stop() {
  local part
  [[ -d ${CLUSTER:-} ]] || return 0
  for part in "${PARTS[@]}"; do
    part_pid "$part" >/dev/null || continue
    autoctl stop --pgdata "$CLUSTER/$part" >>"$LOGS/pg-$part.log" 2>&1 || true
    stop_pid "$RUN/pg-$part.pid" "pg_autoctl" "$part"
  done
}

# One line a part: pid and port, and the monitor's view of each data node (its role, the state it reported and
# the one it was assigned).
cluster_status() {
  local part pid states
  states=$(monitor_sql "SELECT nodename, reportedstate, goalstate FROM pgautofailover.node") || true
  for part in "${PARTS[@]}"; do
    if pid=$(part_pid "$part"); then
      printf '%-11s running  pid %-7s port %s' "pg-$part" "$pid" "$(part_port "$part")"
    else
      printf '%-11s stopped  %-11s port %s' "pg-$part" '' "$(part_port "$part")"
    fi
    [[ $part == monitor ]] || awk -v n="$part" '$1 == n {
      role = $2 ~ /^(single|primary|wait_primary|join_primary|apply_settings)$/ ? "primary" : "secondary"
      printf "  %-9s state %s (goal %s)", role, $2, $3 }' <<<"$states"
    echo
  done
}

cluster_wipe() { cluster_stop; rm -rf "$CLUSTER"; rm -f "$RUN"/pg-*.pid; say "postgres: formation data deleted"; }
