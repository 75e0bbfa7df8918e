#!/usr/bin/env bash
# The pg_auto_failover containers of docker-compose.yml: `tuoyu-pgaf monitor` or `tuoyu-pgaf node`.
# The first start creates the node, every later start runs the node its volume holds. The first data node to
# register becomes the primary and gets the tuoyu role and databases (deploy/postgres-init.sql); the second is
# copied from it by pg_basebackup and becomes its synchronous standby.
# Environment: PGAF_PASSWORD, the password of pg_autoctl's own roles (autoctl_node on the monitor,
# pgautofailover_replicator on the data nodes); a data node also PG_AUTOCTL_MONITOR, the monitor's URL.
set -euo pipefail

role=${1:?usage: tuoyu-pgaf monitor|node}
host=$(hostname)
config=$XDG_CONFIG_HOME/pg_autoctl$PGDATA/pg_autoctl.cfg
# The services log in as tuoyu with a password from anywhere on the compose network; pg_autoctl adds its own rules.
app_rule='host all tuoyu all scram-sha-256'

# local_sql DB: runs stdin on this node's server over its unix socket; :'password' is $PGAF_PASSWORD.
local_sql() { psql -X -q -v ON_ERROR_STOP=1 -h /var/run/postgresql -d "$1" -v password="$PGAF_PASSWORD"; }
# pg_autoctl create leaves PostgreSQL stopped: start it on its socket only for the set-up, `run` starts it for real.
start_local() { pg_ctl -w -s -o "-c listen_addresses=''" start; }
stop_local() { pg_ctl -w -s stop; }

create_monitor() {
  pg_autoctl create monitor --hostname "$host" --auth scram-sha-256 --ssl-self-signed
  start_local
  # Failure detection in seconds rather than pg_auto_failover's half a minute, as deploy/pg_cluster.sh sets it (the
  # reasons are there): a primary unheard of for 2 s is unhealthy, and promoted over after 4 s more.
  local_sql pg_auto_failover <<'SQL'
ALTER ROLE autoctl_node PASSWORD :'password';
ALTER SYSTEM SET pgautofailover.health_check_period = 1000;
ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000;
ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1;
ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500;
ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 2000;
ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 4000;
SQL
  stop_local
}

create_node() {
  # A standby's first copy logs in as pgautofailover_replicator: PGPASSWORD is read by pg_basebackup.
  PGPASSWORD=$PGAF_PASSWORD pg_autoctl create postgres --hostname "$host" --name "$host" \
    --auth scram-sha-256 --ssl-self-signed
  # Used when this node, demoted, follows the other one again.
  pg_autoctl config set replication.password "$PGAF_PASSWORD" >/dev/null
  # A primary cut off from the monitor and its standby demotes itself within 2 s, before the monitor promotes the
  # standby (2 s + 4 s above): never two primaries.
  pg_autoctl config set timeout.network_partition_timeout 2 >/dev/null
  [[ -f $PGDATA/standby.signal ]] && return
  start_local
  # The same settings as deploy/postgres.sh; in postgresql.auto.conf, so the standby's copy has them too.
  local_sql postgres <<'SQL'
ALTER ROLE pgautofailover_replicator PASSWORD :'password';
ALTER SYSTEM SET shared_buffers = '256MB';
ALTER SYSTEM SET max_connections = 200;
SQL
  local_sql postgres </etc/tuoyu/postgres-init.sql
  stop_local
}

case $role in
  monitor) [[ -f $config ]] || create_monitor ;;
  node)
    [[ -f $config ]] || create_node
    grep -qxF "$app_rule" "$PGDATA/pg_hba.conf" || echo "$app_rule" >>"$PGDATA/pg_hba.conf"
    ;;
  *) echo "usage: tuoyu-pgaf monitor|node" >&2; exit 2 ;;
esac
# pg_autoctl keeps PostgreSQL running and follows the monitor's orders (promote, demote, rejoin); it stops it on TERM.
exec pg_autoctl run
