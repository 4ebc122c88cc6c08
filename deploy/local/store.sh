#!/usr/bin/env bash
# The MongoDB-protocol store for local runs: `mongod` when one is on PATH, otherwise FerretDB
# v1.24.2 (SQLite backend, no further server), built once from the Go module proxy.
#   store.sh install | start | stop | restart | status
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

FERRETDB_VERSION=v1.24.2
PATCH_LEVEL=megp7   # bump when the patches below change, so a cached binary is rebuilt
# the cached binary is named by the patches' contents too, so a patch changed without a bump of
# PATCH_LEVEL (or two branches at one level) never reuses a binary built from other patches
PATCH_HASH=$(cat "$(dirname "${BASH_SOURCE[0]}")"/ferretdb-*.patch | sha256sum | cut -c1-10)
BIN_DIR="$CACHE_DIR/ferretdb-$FERRETDB_VERSION-$PATCH_LEVEL-$PATCH_HASH"
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
  # The patch level goes in too: buildInfo reports it as `ferretdbVersion` (v1.24.2-megp7), and
  # every service refuses a FerretDB below megp5, whose writes are not atomic per document
  # (megp_common.mongo.require_atomic_document_writes). Clients read `version` (the MongoDB
  # version FerretDB poses as, 7.0.x), which this leaves alone.
  echo "$FERRETDB_VERSION-$PATCH_LEVEL" >"$work/ferretdb/build/version/version.txt"
  # The SQLite backend indexes `_id` as `_ferretdb_sjson->"_id"` but looks documents up with
  # `_ferretdb_sjson->'$._id'`: the same value, a different expression, so SQLite never uses the
  # index and every find/update/delete by _id scans the whole collection (measured: 34 updates/s
  # on 5,000 documents). Writing the lookup like the index makes it an index search.
  local meta="$work/ferretdb/internal/backends/sqlite/metadata/metadata.go"
  sed -i "s|IDColumn = DefaultColumn + \"->'\\\$._id'\"|IDColumn = DefaultColumn + \"->'_id'\"|" "$meta"
  grep -q "IDColumn = DefaultColumn + \"->'_id'\"" "$meta" \
    || { log "could not apply the _id index patch to FerretDB"; exit 1; }
  # It also pushes the `_id` lookup down to SQLite only when `_id` is the filter's sole field, so
  # a conditional update ({_id, version}) scans the collection too. Every handler applies the
  # whole filter again to what the backend returns, so pushing `_id` down whenever the filter
  # has it is safe.
  local coll="$work/ferretdb/internal/backends/sqlite/collection.go"
  sed -i 's|if params.Filter.Len() == 1 {|if params.Filter.Len() >= 1 {|' "$coll"
  [[ $(grep -c 'if params.Filter.Len() >= 1 {' "$coll") == 2 ]] \
    || { log "could not apply the _id pushdown patch to FerretDB"; exit 1; }
  # Any other filter is answered by decoding every document of the collection in Go. Queries whose
  # comment carries `megp:scalar-eq` (the platform's repositories send it when every field they
  # compare by equality is a scalar string) have those comparisons pushed down to SQLite, where an
  # index on the field serves them (ferretdb-scalar-pushdown.patch; the handler still re-applies
  # the whole filter).
  local here pushdown
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  pushdown="$here/ferretdb-scalar-pushdown.patch"
  (cd "$work/ferretdb" && { git apply "$pushdown" 2>/dev/null || patch --quiet -p1 <"$pushdown"; }) \
    || { log "could not apply the scalar pushdown patch to FerretDB (needs git or patch)"; exit 1; }
  grep -q scalarEqualityClause "$coll" \
    || { log "the scalar pushdown patch left FerretDB unchanged"; exit 1; }
  # The update handler deferred closing each statement's query to the end of the whole command,
  # so a bulk write held one read, and one pooled connection, per statement: from 100 statements
  # on it waited forever for a connection (and every other command with it), and since some read
  # was always open SQLite never reset its write-ahead log (352 MB after 43,000 updates of a
  # database under 1 MB). findAndModify kept its read open across its write too. The patch reads
  # each statement's matches, closes its query, then writes, as the delete handler does.
  local closing="$here/ferretdb-close-reads-before-writes.patch"
  (cd "$work/ferretdb" && { git apply "$closing" 2>/dev/null || patch --quiet -p1 <"$closing"; }) \
    || { log "could not apply the close-reads-before-writes patch to FerretDB"; exit 1; }
  grep -q 'defer closer.Close()' "$work/ferretdb/internal/handler/msg_update.go" \
    && { log "the close-reads-before-writes patch left the update handler unchanged"; exit 1; }
  grep -q 'queryCloser.Close()' "$work/ferretdb/internal/handler/msg_findandmodify.go" \
    || { log "the close-reads-before-writes patch left findAndModify unchanged"; exit 1; }
  # update, findAndModify and delete read a statement's documents, change them in Go and write
  # them back, with nothing keeping a writer on another connection out in between: two
  # conditional updates of one document ({_id, version: 5}) could both succeed and one be lost
  # (measured: two trade processes racing 64 buyers for 10 units took 11 orders). The patch
  # holds a mutex per document (a statement whose filter has a scalar `_id`, with its
  # collection's lock shared) or its collection's lock exclusively (any other statement) from
  # the query through the write, so each single-document write is atomic, as on MongoDB.
  local atomic="$here/ferretdb-atomic-document-writes.patch"
  (cd "$work/ferretdb" && { git apply "$atomic" 2>/dev/null || patch --quiet -p1 <"$atomic"; }) \
    || { log "could not apply the atomic-document-writes patch to FerretDB"; exit 1; }
  local handler="$work/ferretdb/internal/handler"
  [[ -f "$handler/megp_doclocks.go" ]] \
    && [[ $(grep -l 'megpLockDocuments(params.DB' "$handler"/msg_{update,findandmodify,delete}.go | wc -l) == 3 ]] \
    || { log "the atomic-document-writes patch left FerretDB's handlers unchanged"; exit 1; }
  # A filter on `_id` by `$in` (a batch of aggregates loaded by their ids) was answered by decoding
  # every document of the collection; only an `_id` equal to one value used the index. The patch
  # sends `_id IN (...)` (up to 1,000 ids) to SQLite, and makes `explain` report the lookup the
  # query really makes (the same function builds both).
  local idin="$here/ferretdb-id-in-pushdown.patch"
  (cd "$work/ferretdb" && { git apply "$idin" 2>/dev/null || patch --quiet -p1 <"$idin"; }) \
    || { log "could not apply the _id \$in pushdown patch to FerretDB"; exit 1; }
  grep -q 'func idWhereClause' "$coll" \
    || { log "the _id \$in pushdown patch left FerretDB unchanged"; exit 1; }
  # Most of the store's CPU went to decoding stored documents: FerretDB gave every nested object,
  # array and string of a document its own json.Decoder (a fresh buffer, the bytes copied again
  # per level), and tracked every document iterator in a pprof profile with its caller's stack.
  # The patch splits a stored document into its values in one pass (plain strings, integers and
  # booleans read directly, every other type by FerretDB's own decoder; a schema read lately is
  # kept by its bytes) and leaves the tracking to debug builds.
  local decode="$here/ferretdb-fast-decode.patch"
  (cd "$work/ferretdb" && { git apply "$decode" 2>/dev/null || patch --quiet -p1 <"$decode"; }) \
    || { log "could not apply the fast-decode patch to FerretDB"; exit 1; }
  [[ -f "$work/ferretdb/internal/handler/sjson/megp_fastdecode.go" ]] \
    && grep -q 'megpFastValue(data, sch)' "$work/ferretdb/internal/handler/sjson/sjson.go" \
    || { log "the fast-decode patch left FerretDB's decoder unchanged"; exit 1; }
  mkdir -p "$BIN_DIR"
  (cd "$work/ferretdb" && CGO_ENABLED=0 go build -trimpath -o "$BIN.tmp" ./cmd/ferretdb)
  mv "$BIN.tmp" "$BIN"; rm -rf "$work"
  log "FerretDB installed at $BIN"
}

start() {
  install
  if pid_alive "$PIDFILE"; then log "already running (pid $(cat "$PIDFILE")) on $HOST:$PORT"; return 0; fi
  claim_port "$HOST" "$PORT" store
  mkdir -p "$DATA" "$LOG_DIR"
  if command -v mongod >/dev/null; then
    log "starting mongod on $HOST:$PORT"
    ( exec mongod --bind_ip "$HOST" --port "$PORT" --dbpath "$DATA" \
        >"$LOG_DIR/store.log" 2>&1 </dev/null ) &
  else
    log "starting FerretDB $FERRETDB_VERSION (SQLite) on $HOST:$PORT"
    # journal_size_limit: SQLite reuses its write-ahead log file without shrinking it, so one
    # burst of writes behind a long read (a paged scan left open: no checkpoint can pass it)
    # left the file at its peak for good (78 MB in a long run's enrollment; 81 MiB after
    # 10,000 updates behind one open cursor). With the limit the file is cut back to 8 MiB at
    # the first checkpoint after the reader is gone (test_store_bulk_wal.py).
    ( exec "$BIN" --listen-addr="$HOST:$PORT" --handler=sqlite \
        --sqlite-url="file:$DATA/?_pragma=synchronous(normal)&_pragma=journal_size_limit(8388608)" --state-dir="$DATA" --telemetry=disable \
        --log-level=warn --debug-addr="${MEGP_STORE_DEBUG_ADDR:--}" >"$LOG_DIR/store.log" 2>&1 </dev/null ) &
  fi
  echo $! >"$PIDFILE"
  if ! wait_for_port "$HOST" "$PORT" "$READY_TIMEOUT_S"; then
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
