#!/usr/bin/env bash
# The local stack as a whole; the Makefile's targets call this.
# Usage: deploy/stack.sh bootstrap|infra|up|down|status|reset|test|demo|bench|kafka-check|pg-check|soak
set -euo pipefail
source "$(dirname "$0")/env.sh"
D=$ROOT/deploy

bootstrap() { "$D/bootstrap.sh"; }
# PostgreSQL and Kafka only: tests start their own service processes.
infra() { ensure_secrets; "$D/postgres.sh" start; "$D/kafka.sh" start; }
up() { bootstrap; infra; "$D/services.sh" start; }
# Services first, while the database and broker they use are still there.
down() { "$D/services.sh" stop; "$D/kafka.sh" stop; "$D/postgres.sh" stop; }
status() { "$D/postgres.sh" status; "$D/kafka.sh" status; "$D/services.sh" status; }
# Deletes PostgreSQL's and Kafka's data; keeps the logs and the downloaded Kafka jars.
reset() { down; "$D/postgres.sh" wipe; "$D/kafka.sh" wipe; up; }

test() {
  bootstrap
  haproxy_bin >/dev/null  # tests/reliability/test_two_instances.py runs two instances of each service behind it
  infra
  local rc=0
  (cd "$ROOT" && "$VENV/bin/pytest" -q -p no:cacheprovider tests) || rc=$?
  # pytest's 5 means it found no test at all: for us that is a broken suite, not a pass.
  ((rc != 5)) || die "pytest collected no tests (exit 5); tests/ must hold the suite"
  return "$rc"
}

demo() {
  up
  cd "$ROOT"
  # Two districts of Zhoushan under different rules: Putuo (the worked examples) and Dinghai, billed Sep 2022–Jan 2023.
  "$VENV/bin/tuoyu" scenario load deploy/demo/zhoushan.yaml
  # Residents for the planning figures (round figures near the 2020 census's; the commission enters its own).
  "$VENV/bin/tuoyu" jurisdictions population --code 330903 --on 2022-01-01 --residents 380000 >/dev/null
  "$VENV/bin/tuoyu" jurisdictions population --code 330902 --on 2022-01-01 --residents 500000 >/dev/null
  "$VENV/bin/tuoyu" report --month 2023-01 --format json
  # The same report's figures per district, for the person at the terminal.
  "$VENV/bin/tuoyu" report --month 2023-01 --format table
  # A token for the worked examples' first family, so the page can be opened at once (a new one each run).
  "$VENV/bin/tuoyu" family-token issue --facility F1 --family FAM1 |
    "$VENV/bin/python" -c 'import json, sys; print("Family page (FAM1):", json.load(sys.stdin)["url"])'
  # The officials' desks: the platform-wide keys of secrets.env (the environment's when set, as the settings read them).
  local secrets=$TUOYU_STACK_DIR/secrets.env
  secret() { sed -n "s/^$1=//p" "$secrets"; }
  echo "Health commission desk: $TUOYU_ENROLLMENT_URL/desk" \
    "sign in with the commission key: ${TUOYU_ADMIN_KEY:-$(secret TUOYU_ADMIN_KEY)}"
  echo "Finance desk:           $TUOYU_BILLING_URL/desk" \
    "sign in with the finance key: ${TUOYU_FINANCE_KEY:-$(secret TUOYU_FINANCE_KEY)}"
  echo "(both keys are in $secrets; a district's own: tuoyu keys issue --role commission|finance --jurisdiction 330903)"
}

bench() {
  bootstrap
  infra
  [[ -f $ROOT/bench/run_all.py ]] || die "bench/run_all.py does not exist yet"
  cd "$ROOT" && "$VENV/bin/python" -m bench.run_all
}

# Not part of `test`: starts three brokers (stopped again if it started them), SIGKILLs one under load, restarts it.
kafka_check() { bootstrap; TUOYU_KAFKA_BROKERS=3 "$VENV/bin/python" "$ROOT/deploy/kafka_cluster_check.py"; }

# Not part of `test`: a pg_auto_failover formation of its own (stack dir $TUOYU_STACK_DIR/pg-check, ports from
# TUOYU_PG_PORT + 20), started afresh and stopped again, with the stack's Kafka for the services it starts.
pg_check() {
  bootstrap
  "$D/kafka.sh" start
  TUOYU_PG_NODES=2 TUOYU_STACK_DIR=$TUOYU_STACK_DIR/pg-check TUOYU_PG_PORT=$((TUOYU_PG_PORT + 20)) \
    "$VENV/bin/python" "$ROOT/deploy/pg_failover_check.py"
}

case ${1:-} in
  bootstrap | infra | up | down | status | reset | test | demo | bench) "$1" ;;
  kafka-check) kafka_check ;;
  pg-check) pg_check ;;
  soak) "$D/soak.sh" ;;
  *) die "usage: $0 bootstrap|infra|up|down|status|reset|test|demo|bench|kafka-check|pg-check|soak" ;;
esac
