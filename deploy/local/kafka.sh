#!/usr/bin/env bash
# A one-node Apache Kafka broker in KRaft mode (broker + controller in one process), from the
# jars Maven Central serves for org.apache.kafka:kafka_2.13 (see pom.xml), run by the installed Java.
#   kafka.sh install | start | stop | restart | status
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO_ROOT/deploy/local/pom.xml")
JARS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
HOST=${MEGP_KAFKA_HOST:-localhost}
PORT=${MEGP_KAFKA_PORT:-9092}
CONTROLLER_PORT=${MEGP_KAFKA_CONTROLLER_PORT:-9093}
DATA="$LOCAL_DIR/kafka"
PIDFILE="$PID_DIR/kafka.pid"
HEAP=${MEGP_KAFKA_HEAP:--Xms256m -Xmx768m}

install() {
  if [[ -f "$JARS/.complete" ]]; then return 0; fi
  command -v java >/dev/null || { log "java is not installed (Java 17 is needed)"; exit 1; }
  command -v mvn >/dev/null || { log "mvn is not installed (Maven fetches Kafka's jars)"; exit 1; }
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $JARS"
  rm -rf "$JARS"; mkdir -p "$JARS"
  mvn -q -B -f "$REPO_ROOT/deploy/local/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$JARS"
  touch "$JARS/.complete"
}

write_config() {
  mkdir -p "$DATA/data"
  cat > "$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA/data
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=168
PROPS
}

java_opts() {
  # shellcheck disable=SC2206
  JAVA_OPTS=($HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
    -Dlog4j2.configurationFile="$REPO_ROOT/deploy/local/log4j2.properties"
    -Dkafka.logs.dir="$LOG_DIR/kafka" -cp "$JARS/*")
}

start() {
  install
  if pid_alive "$PIDFILE"; then log "already running (pid $(cat "$PIDFILE")) on $HOST:$PORT"; return 0; fi
  claim_port "$HOST" "$PORT" kafka; claim_port "$HOST" "$CONTROLLER_PORT" kafka
  write_config; mkdir -p "$LOG_DIR/kafka"; java_opts
  if [[ ! -f "$DATA/data/meta.properties" ]]; then
    local cluster_id; cluster_id=$(java "${JAVA_OPTS[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    log "formatting storage (cluster $cluster_id)"
    java "${JAVA_OPTS[@]}" kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$DATA/server.properties" >"$LOG_DIR/kafka/format.log" 2>&1 \
      || { cat "$LOG_DIR/kafka/format.log" >&2; exit 1; }
  fi
  log "starting broker on $HOST:$PORT"
  # a subshell that execs the JVM, so $! is the broker's own pid and SIGTERM reaches it
  ( exec java "${JAVA_OPTS[@]}" kafka.Kafka "$DATA/server.properties" \
      >"$LOG_DIR/kafka/stdout.log" 2>&1 </dev/null ) &
  echo $! >"$PIDFILE"
  if ! wait_for_port "$HOST" "$PORT" "$READY_TIMEOUT_S"; then
    log "broker did not open $HOST:$PORT; last log lines:"; tail -n 30 "$LOG_DIR/kafka/stdout.log" >&2
    exit 1
  fi
  log "broker ready on $HOST:$PORT"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop_pid "$PIDFILE" kafka 60 ;;
  restart) stop_pid "$PIDFILE" kafka 60; start ;;
  status) if pid_alive "$PIDFILE"; then echo "kafka running pid $(cat "$PIDFILE") on $HOST:$PORT"; else echo "kafka stopped"; exit 3; fi ;;
  *) echo "usage: $0 install|start|stop|restart|status" >&2; exit 2 ;;
esac
