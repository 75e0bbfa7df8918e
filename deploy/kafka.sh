#!/usr/bin/env bash
# One local Kafka node (KRaft: broker and controller in one JVM), from jars that Maven fetches.
# Usage: deploy/kafka.sh fetch|start|stop|status|wipe
#        deploy/kafka.sh run CLASS [ARGS...]   e.g. run org.apache.kafka.tools.TopicCommand --list ...
set -euo pipefail
source "$(dirname "$0")/env.sh"

KDIR=$TUOYU_STACK_DIR/kafka
LIB=$KDIR/lib            # the jar cache: kept by `make reset`
DATA=$KDIR/data
PROPS=$KDIR/server.properties
PIDFILE=$RUN/kafka.pid
KLOG=$LOGS/kafka.log
POM=$ROOT/deploy/kafka/pom.xml
ADDR=127.0.0.1:$TUOYU_KAFKA_PORT

# Kafka's own download site is out of reach; Maven Central has every jar the broker needs.
fetch() {
  [[ -f $LIB/.complete && $LIB/.complete -nt $POM ]] && return   # stamp: a complete copy of this pom
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  say "kafka: fetching jars with Maven into $LIB"
  rm -rf "$LIB.tmp"
  mvn -q -B -f "$POM" dependency:copy-dependencies -Dlib.dir="$LIB.tmp" >"$LOGS/kafka-fetch.log" 2>&1 ||
    { tail -n 30 "$LOGS/kafka-fetch.log" >&2; die "Maven could not fetch Kafka, see $LOGS/kafka-fetch.log"; }
  rm -rf "$LIB" && mv "$LIB.tmp" "$LIB" && touch "$LIB/.complete"
}

# run CLASS ARGS...: a Kafka tool on the cached classpath, logging only warnings (to stderr).
run() {
  fetch
  java -Xmx256m -Dtuoyu.kafka.log.level=WARN -Dlog4j2.configurationFile="$ROOT/deploy/kafka/log4j2.properties" \
    -cp "$LIB/*" "$@"
}

write_props() {
  cat >"$PROPS" <<PROPS
# Written by deploy/kafka.sh on each start: edit it there.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$TUOYU_KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$TUOYU_KAFKA_PORT,CONTROLLER://127.0.0.1:$TUOYU_KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$TUOYU_KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA
# A single node: every replication factor is 1.
default.replication.factor=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
num.partitions=6
auto.create.topics.enable=true
# Tests start and stop consumer groups all the time: no 3 s wait before the first rebalance,
# and a small offsets topic so the first group does not wait for 50 partitions to be created.
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=6
PROPS
}

wait_ready() {
  local deadline=$((SECONDS + 120)) out
  until port_open "$TUOYU_KAFKA_PORT"; do
    running_pid "$PIDFILE" "$PROPS" >/dev/null || { tail -n 20 "$KLOG" >&2; die "kafka exited while starting, see $KLOG"; }
    ((SECONDS < deadline)) || { tail -n 20 "$KLOG" >&2; die "kafka not listening on $ADDR after 120 s, see $KLOG"; }
    sleep 0.5
  done
  # An open port is not yet a broker: ask it for its topics, the metadata path every client takes.
  until out=$(timeout 60 "$0" run org.apache.kafka.tools.TopicCommand --bootstrap-server "$ADDR" --list 2>&1); do
    ((SECONDS < deadline)) || { echo "$out" >&2; die "kafka on $ADDR does not answer, see $KLOG"; }
    sleep 1
  done
}

start() {
  fetch
  if pid=$(running_pid "$PIDFILE" "$PROPS"); then say "kafka: already running (pid $pid)"; return; fi
  port_open "$TUOYU_KAFKA_PORT" && die "port $TUOYU_KAFKA_PORT is taken by a process these scripts did not start"
  mkdir -p "$DATA"
  write_props
  [[ -s $KDIR/cluster.id ]] || run kafka.tools.StorageTool random-uuid >"$KDIR/cluster.id"
  if [[ ! -f $DATA/meta.properties ]]; then
    say "kafka: formatting storage (cluster $(<"$KDIR/cluster.id"))"
    run kafka.tools.StorageTool format -t "$(<"$KDIR/cluster.id")" -c "$PROPS" >>"$KLOG" 2>&1 ||
      { tail -n 20 "$KLOG" >&2; die "kafka storage format failed, see $KLOG"; }
  fi
  say "kafka: starting on $ADDR"
  # setsid: the broker outlives this shell and ignores a Ctrl-C meant for make.
  setsid java -Xms256m -Xmx768m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/deploy/kafka/log4j2.properties" \
    -cp "$LIB/*" kafka.Kafka "$PROPS" >>"$KLOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_ready
  say "kafka: ready"
}

stop() { stop_pid "$PIDFILE" "$PROPS" kafka; }

status() {
  if pid=$(running_pid "$PIDFILE" "$PROPS"); then
    printf '%-11s running  pid %-7s port %s\n' kafka "$pid" "$TUOYU_KAFKA_PORT"
  else
    printf '%-11s stopped  %-11s port %s\n' kafka '' "$TUOYU_KAFKA_PORT"
  fi
}

wipe() { stop; rm -rf "$DATA" "$KDIR/cluster.id"; say "kafka: data deleted (jar cache kept)"; }

case ${1:-} in
  fetch | start | stop | status | wipe) "$1" ;;
  run) shift; run "$@" ;;
  *) die "usage: $0 fetch|start|stop|status|wipe|run CLASS [ARGS...]" ;;
esac
