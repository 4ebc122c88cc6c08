# Shared paths for the local infrastructure scripts. Sourced, not executed.
# Downloads and builds are cached per user (so a fresh clone starts in seconds); broker and store
# data, logs and pid files live under the checkout's git-ignored .local/ folder.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${MEGP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/megp}"
LOCAL_DIR="${MEGP_LOCAL_DIR:-$REPO_ROOT/.local}"
LOG_DIR="$LOCAL_DIR/logs"
PID_DIR="$LOCAL_DIR/pids"
mkdir -p "$CACHE_DIR" "$LOG_DIR" "$PID_DIR"

# how long a start waits for its server's port: MEGP_READY_TIMEOUT_S, as the launcher waits for a
# service's /readyz (a machine shared by several test runs starts a JVM slower than 90 s)
READY_TIMEOUT_S=${MEGP_READY_TIMEOUT_S:-90}

log() { printf '[%s] %s\n' "$(basename "$0" .sh)" "$*" >&2; }

# wait_for_port HOST PORT SECONDS: true once something accepts TCP connections there.
wait_for_port() {
  local host=$1 port=$2 deadline=$((SECONDS + $3))
  while (( SECONDS < deadline )); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.3
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# port_holder PORT: who listens on PORT (pid and command, when ss may say), for an error message.
port_holder() {
  local found
  found=$(ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\))).*/\1/p' | head -n1)
  echo "${found:-a process this user cannot see}"
}

# claim_port HOST PORT NAME: return once nothing accepts connections on PORT; a server that is
# still exiting (a broker killed a moment ago closes its sockets last) gets up to
# MEGP_PORT_FREE_WAIT_S (20 s) to let go; anything still there after that is a failure, named.
claim_port() {
  local host=$1 port=$2 name=$3 deadline=$((SECONDS + ${MEGP_PORT_FREE_WAIT_S:-20}))
  while port_open "$host" "$port"; do
    if (( SECONDS >= deadline )); then
      log "$name cannot start: port $port is taken by another process ($(port_holder "$port"))"
      exit 1
    fi
    sleep 0.5
  done
}

pid_alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE NAME SECONDS: SIGTERM, wait for a clean exit, SIGKILL only as a last resort.
stop_pid() {
  local pidfile=$1 name=$2 grace=${3:-30}
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; log "$name is not running"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${grace}s; killing it"; kill -KILL "$pid" 2>/dev/null || true
    # SIGKILL is delivered, not awaited: wait until the process is gone, so that a start
    # straight after this finds its ports free
    deadline=$((SECONDS + 15))
    while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
  fi
  rm -f "$pidfile"; log "$name stopped"
}
