#!/usr/bin/env bash
# The MongoDB-protocol store for local runs: `mongod` when one is on PATH, otherwise FerretDB
# v1.24.2 (SQLite backend, no further server), built once from the Go module proxy.
#   store.sh install | start | stop | restart | status
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FERRETDB_VERSION=v1.24.2
BIN_DIR="$CACHE_DIR/ferretdb-$FERRETDB_VERSION"
BIN="$BIN_DIR/ferretdb"
HOST=${MEGP_MONGO_HOST:-127.0.0.1}
PORT=${MEGP_MONGO_PORT:-27017}
DATA="$LOCAL_DIR/store"
PIDFILE="$PID_DIR/store.pid"

install() {
  if command -v mongod >/dev/null || [[ -x "$BIN" ]]; then return 0; fi
  command -v go >/dev/null || { log "go is not installed (it builds FerretDB)"; exit 1; }
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (first time only, a few minutes)"
  local src work
  src=$(go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" \
        | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d "$src" ]] || { log "could not download the FerretDB module"; exit 1; }
  work=$(mktemp -d)
  cp -r "$src" "$work/ferretdb"; chmod -R u+w "$work/ferretdb"
  # `go install` leaves the embedded version file empty and the binary refuses to start without it.
  echo "$FERRETDB_VERSION" >"$work/ferretdb/build/version/version.txt"
  mkdir -p "$BIN_DIR"
  (cd "$work/ferretdb" && CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp" ./cmd/ferretdb)
  mv "$BIN.tmp" "$BIN"; rm -rf "$work"
  log "FerretDB installed at $BIN"
}

start() {
  install
  if pid_alive "$PIDFILE"; then log "already running (pid $(cat "$PIDFILE")) on $HOST:$PORT"; return 0; fi
  if port_open "$HOST" "$PORT"; then log "port $PORT is taken by another process"; exit 1; fi
  mkdir -p "$DATA" "$LOG_DIR"
  if command -v mongod >/dev/null; then
    log "starting mongod on $HOST:$PORT"
    ( exec mongod --bind_ip "$HOST" --port "$PORT" --dbpath "$DATA" \
        >"$LOG_DIR/store.log" 2>&1 </dev/null ) &
  else
    log "starting FerretDB $FERRETDB_VERSION (SQLite) on $HOST:$PORT"
    ( exec "$BIN" --listen-addr="$HOST:$PORT" --handler=sqlite \
        --sqlite-url="file:$DATA/" --state-dir="$DATA" --telemetry=disable \
        --log-level=warn --debug-addr=- >"$LOG_DIR/store.log" 2>&1 </dev/null ) &
  fi
  echo $! >"$PIDFILE"
  if ! wait_for_port "$HOST" "$PORT" 60; then
    log "store did not open $HOST:$PORT; last log lines:"; tail -n 30 "$LOG_DIR/store.log" >&2
    exit 1
  fi
  log "store ready on $HOST:$PORT"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop_pid "$PIDFILE" store 30 ;;
  restart) stop_pid "$PIDFILE" store 30; start ;;
  status) if pid_alive "$PIDFILE"; then echo "store running pid $(cat "$PIDFILE") on $HOST:$PORT"; else echo "store stopped"; exit 3; fi ;;
  *) echo "usage: $0 install|start|stop|restart|status" >&2; exit 2 ;;
esac
