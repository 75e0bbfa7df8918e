#!/usr/bin/env bash
# make soak: the platform at its highest setting (2 instances of each service, 3 Kafka brokers, a PostgreSQL primary
# with a synchronous standby) under SIGKILLs; bench/soak.py does the work and writes bench/results/soak.json.
# It runs in its own stack dir and on its own ports (TUOYU_SOAK_* moves them), so the developer's stack is untouched,
# and stops what it started. Usage: deploy/soak.sh [bench/soak.py options]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# Whatever a caller's environment (or make's single stack) derived must be derived again for this stack.
unset TUOYU_KAFKA_BOOTSTRAP TUOYU_PG_HOSTS TUOYU_ENROLLMENT_URL TUOYU_SUBSIDY_URL TUOYU_BILLING_URL
# Beside the developer's stack: its dir and ports, moved (nodes PG_PORT+40, +41, monitor +49; brokers KAFKA_PORT+100..).
base_pg=${TUOYU_PG_PORT:-55432} base_kafka=${TUOYU_KAFKA_PORT:-59092}
export TUOYU_STACK_DIR=${TUOYU_SOAK_DIR:-${TUOYU_STACK_DIR:-$ROOT/.stack}/soak}
export TUOYU_PG_PORT=$((base_pg + 40))
export TUOYU_KAFKA_PORT=$((base_kafka + 100))
export TUOYU_KAFKA_CONTROLLER_PORT=$((TUOYU_KAFKA_PORT + 1))
export TUOYU_INSTANCES=2 TUOYU_KAFKA_BROKERS=3 TUOYU_PG_NODES=2
source "$ROOT/deploy/env.sh"

"$ROOT/deploy/bootstrap.sh"
ensure_secrets
stop_all() { "$ROOT/deploy/kafka.sh" stop || true; "$ROOT/deploy/postgres.sh" stop || true; }
trap stop_all EXIT
"$ROOT/deploy/postgres.sh" start
"$ROOT/deploy/kafka.sh" start
cd "$ROOT" && "$VENV/bin/python" -m bench.soak "$@"
