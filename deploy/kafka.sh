#!/usr/bin/env bash
# Local Kafka from jars that Maven fetches: one KRaft node (broker and controller in one JVM), or, with
# TUOYU_KAFKA_BROKERS=3, three such nodes on loopback forming one cluster (replication factor 3, min ISR 2).
# Usage: deploy/kafka.sh fetch|start|stop|status|wipe
#        deploy/kafka.sh run CLASS [ARGS...]   e.g. run org.apache.kafka.tools.TopicCommand --list ...
set -euo pipefail
source "$(dirname "$0")/env.sh"

N=$TUOYU_KAFKA_BROKERS
[[ $N == 1 || $N == 3 ]] || die "TUOYU_KAFKA_BROKERS must be 1 or 3 (a quorum of 2 survives nothing), not '$N'"
KDIR=$TUOYU_STACK_DIR/kafka
LIB=$KDIR/lib            # the jar cache: kept by `make reset`
POM=$ROOT/deploy/kafka/pom.xml
# One node keeps the paths it always had; a cluster's nodes live apart, so switching never mixes their data.
if ((N == 1)); then CDIR=$KDIR; else CDIR=$KDIR/cluster; fi

# Node I's files and names: in the one-node layout exactly those of before the cluster existed.
node_dir() { if ((N == 1)); then echo "$CDIR"; else echo "$CDIR/node$1"; fi; }
node_props() { echo "$(node_dir "$1")/server.properties"; }
node_pidfile() { if ((N == 1)); then echo "$RUN/kafka.pid"; else echo "$RUN/kafka$1.pid"; fi; }
node_log() { if ((N == 1)); then echo "$LOGS/kafka.log"; else echo "$LOGS/kafka$1.log"; fi; }
node_name() { if ((N == 1)); then echo kafka; else echo "kafka-$1"; fi; }
node_addr() { echo "127.0.0.1:$(kafka_port "$1")"; }

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

# write_props I: node I's settings. Every node is a voter of the one controller quorum.
write_props() {
  local i=$1 voters="" v rf=1 isr=1
  for ((v = 1; v <= N; v++)); do voters+=${voters:+,}$v@127.0.0.1:$(kafka_controller_port "$v"); done
  # Three replicas, two of which must have a write (acks=all) before it is acknowledged: one node may die.
  ((N == 1)) || { rf=3; isr=2; }
  cat >"$(node_props "$i")" <<PROPS
# Written by deploy/kafka.sh on each start: edit it there.
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://$(node_addr "$i"),CONTROLLER://127.0.0.1:$(kafka_controller_port "$i")
advertised.listeners=PLAINTEXT://$(node_addr "$i")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$(node_dir "$i")/data
# $N node(s): replication factor $rf, min ISR $isr.
default.replication.factor=$rf
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$isr
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$isr
min.insync.replicas=$isr
num.partitions=6
auto.create.topics.enable=true
# Tests start and stop consumer groups all the time: no 3 s wait before the first rebalance,
# and a small offsets topic so the first group does not wait for 50 partitions to be created.
group.initial.rebalance.delay.ms=0
offsets.topic.num.partitions=6
PROPS
}

# wait_ready I: node I answers a metadata request (a cluster's first node answers only once a quorum is up).
wait_ready() {
  local i=$1 deadline=$((SECONDS + 120)) out port log addr
  port=$(kafka_port "$i") log=$(node_log "$i") addr=$(node_addr "$i")
  until port_open "$port"; do
    running_pid "$(node_pidfile "$i")" "$(node_props "$i")" >/dev/null ||
      { tail -n 20 "$log" >&2; die "$(node_name "$i") exited while starting, see $log"; }
    ((SECONDS < deadline)) || { tail -n 20 "$log" >&2; die "kafka not listening on $addr after 120 s, see $log"; }
    sleep 0.5
  done
  # An open port is not yet a broker: ask it for its topics, the metadata path every client takes.
  until out=$(timeout 60 "$0" run org.apache.kafka.tools.TopicCommand --bootstrap-server "$addr" --list 2>&1); do
    ((SECONDS < deadline)) || { echo "$out" >&2; die "kafka on $addr does not answer, see $log"; }
    sleep 1
  done
}

# start_node I: format node I's storage once, then start it unless it runs; all nodes share one cluster id.
start_node() {
  local i=$1 pid props log heap=768m
  props=$(node_props "$i") log=$(node_log "$i")
  if pid=$(running_pid "$(node_pidfile "$i")" "$props"); then say "$(node_name "$i"): already running (pid $pid)"; return; fi
  port_open "$(kafka_port "$i")" && die "port $(kafka_port "$i") is taken by a process these scripts did not start"
  mkdir -p "$(node_dir "$i")/data"
  write_props "$i"
  if [[ ! -f $(node_dir "$i")/data/meta.properties ]]; then
    say "$(node_name "$i"): formatting storage (cluster $(<"$CDIR/cluster.id"))"
    run kafka.tools.StorageTool format -t "$(<"$CDIR/cluster.id")" -c "$props" >>"$log" 2>&1 ||
      { tail -n 20 "$log" >&2; die "kafka storage format failed, see $log"; }
  fi
  ((N == 1)) || heap=512m   # three JVMs on a laptop
  say "$(node_name "$i"): starting on $(node_addr "$i")"
  # setsid: the broker outlives this shell and ignores a Ctrl-C meant for make.
  setsid java -Xms256m -Xmx$heap -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/deploy/kafka/log4j2.properties" \
    -cp "$LIB/*" kafka.Kafka "$props" >>"$log" 2>&1 </dev/null &
  echo $! >"$(node_pidfile "$i")"
}

# other_layout_running: true when nodes of the layout not asked for run (one node while asking for three, or back).
other_layout_running() {
  local i
  if ((N == 1)); then
    for i in 1 2 3; do running_pid "$RUN/kafka$i.pid" "$KDIR/cluster/node$i/server.properties" >/dev/null && return; done
    return 1
  fi
  running_pid "$RUN/kafka.pid" "$KDIR/server.properties" >/dev/null
}

# Starts the nodes that are not running (so it also brings back one that died), then waits for each.
start() {
  local i
  fetch
  mkdir -p "$CDIR"
  [[ -s $CDIR/cluster.id ]] || run kafka.tools.StorageTool random-uuid >"$CDIR/cluster.id"
  other_layout_running && die "kafka runs with the other TUOYU_KAFKA_BROKERS setting: deploy/kafka.sh stop first"
  for ((i = 1; i <= N; i++)); do start_node "$i"; done
  for ((i = 1; i <= N; i++)); do wait_ready "$i"; done
  say "kafka: ready ($TUOYU_KAFKA_BOOTSTRAP)"
}

# Stops the nodes of both layouts (the setting may have changed since they started), all at once:
# a cluster's last node stopped alone would wait for a quorum that is gone.
stop() {
  local i
  stop_pid "$RUN/kafka.pid" "$KDIR/server.properties" kafka &
  for i in 1 2 3; do stop_pid "$RUN/kafka$i.pid" "$KDIR/cluster/node$i/server.properties" "kafka-$i" & done
  wait
}

status() {
  local i pid
  for ((i = 1; i <= N; i++)); do
    if pid=$(running_pid "$(node_pidfile "$i")" "$(node_props "$i")"); then
      printf '%-11s running  pid %-7s port %s\n' "$(node_name "$i")" "$pid" "$(kafka_port "$i")"
    else
      printf '%-11s stopped  %-11s port %s\n' "$(node_name "$i")" '' "$(kafka_port "$i")"
    fi
  done
}

wipe() { stop; rm -rf "$KDIR/data" "$KDIR/cluster.id" "$KDIR/cluster"; say "kafka: data deleted (jar cache kept)"; }

case ${1:-} in
  fetch | start | stop | status | wipe) "$1" ;;
  run) shift; run "$@" ;;
  *) die "usage: $0 fetch|start|stop|status|wipe|run CLASS [ARGS...]" ;;
esac
