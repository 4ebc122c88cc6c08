#!/usr/bin/env bash
# A real OpenID Connect provider for the console's production sign-in, in tests and local runs:
# NAV's mock-oauth2-server (discovery, JWKS, a login page, the authorization code flow with PKCE,
# refresh tokens, end-session), from the jars Maven Central serves (see idp/pom.xml), run by the
# installed Java. Issuer: http://127.0.0.1:PORT/megp. What a person's tokens carry (roles,
# states, organization...) is what they type on its login page; idp/config.json adds the
# audience the services expect (`megp`; the provider gives its ID tokens the same claims, so
# they name the console too, with `azp`, as OpenID Connect asks of several audiences) and two
# clients whose tokens the services must refuse
# (`other-app`: another audience; scope `megp-expired`: expired on issue), and a national
# supervisor's token for a client asking for scope `megp-supervisor` (client credentials).
#   idp.sh install | start | stop | restart | status | issuer
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

IDP_VERSION=$(sed -n 's:.*<mock-oauth2-server.version>\(.*\)</mock-oauth2-server.version>.*:\1:p' "$REPO_ROOT/deploy/local/idp/pom.xml")
JARS="$CACHE_DIR/mock-oauth2-server-$IDP_VERSION/libs"
HOST=127.0.0.1
PORT=${MEGP_IDP_PORT:-$((8090 + ${MEGP_PORT_OFFSET:-0}))}
TOKEN_TTL=${MEGP_IDP_TOKEN_TTL:-3600}
DATA="$LOCAL_DIR/idp"
PIDFILE="$PID_DIR/idp.pid"

install() {
  if [[ -f "$JARS/.complete" ]]; then return 0; fi
  command -v java >/dev/null || { log "java is not installed (Java 17 is needed)"; exit 1; }
  command -v mvn >/dev/null || { log "mvn is not installed (Maven fetches the provider's jars)"; exit 1; }
  log "fetching mock-oauth2-server $IDP_VERSION jars from Maven Central into $JARS"
  rm -rf "$JARS"; mkdir -p "$JARS"
  mvn -q -B -f "$REPO_ROOT/deploy/local/idp/pom.xml" dependency:copy-dependencies \
      -DincludeScope=runtime -DoutputDirectory="$JARS"
  touch "$JARS/.complete"
}

start() {
  install
  if pid_alive "$PIDFILE"; then log "already running (pid $(cat "$PIDFILE")) on $HOST:$PORT"; return 0; fi
  claim_port "$HOST" "$PORT" idp
  mkdir -p "$DATA" "$LOG_DIR/idp"
  sed "s/@TOKEN_TTL@/$TOKEN_TTL/" "$REPO_ROOT/deploy/local/idp/config.json" >"$DATA/config.json"
  log "starting the identity provider on $HOST:$PORT (issuer http://$HOST:$PORT/megp)"
  ( export SERVER_HOSTNAME=$HOST SERVER_PORT=$PORT JSON_CONFIG_PATH="$DATA/config.json"
    exec java -Xms32m -Xmx192m -XX:+UseSerialGC -Djava.awt.headless=true -cp "$JARS/*" \
      no.nav.security.mock.oauth2.StandaloneMockOAuth2ServerKt \
      >"$LOG_DIR/idp/stdout.log" 2>&1 </dev/null ) &
  echo $! >"$PIDFILE"
  if ! wait_for_port "$HOST" "$PORT" "$READY_TIMEOUT_S" || ! pid_alive "$PIDFILE"; then
    log "the identity provider did not open $HOST:$PORT; last log lines:"
    tail -n 30 "$LOG_DIR/idp/stdout.log" >&2
    exit 1
  fi
  log "identity provider ready: http://$HOST:$PORT/megp"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop_pid "$PIDFILE" idp 30 ;;
  restart) stop_pid "$PIDFILE" idp 30; start ;;
  status) if pid_alive "$PIDFILE"; then echo "idp running pid $(cat "$PIDFILE") on $HOST:$PORT"; else echo "idp stopped"; exit 3; fi ;;
  issuer) echo "http://$HOST:$PORT/megp" ;;
  *) echo "usage: $0 install|start|stop|restart|status|issuer" >&2; exit 2 ;;
esac
