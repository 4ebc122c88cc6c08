#!/usr/bin/env bash
# kubeconform, the Kubernetes manifest validator `make test` runs over deploy/k8s (tests/deploy),
# built once from the Go module proxy into the per-user cache. The Kubernetes JSON schemas it
# checks against come from the `kubernetes-validate` PyPI package in the project's environment
# (kubeconform's default is to download them, which this project never relies on).
#   kubeconform.sh install | path
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

KUBECONFORM_VERSION=v0.8.0
BIN="$CACHE_DIR/kubeconform-$KUBECONFORM_VERSION/kubeconform"

install() {
  [[ -x "$BIN" ]] && return 0
  command -v go >/dev/null || { log "go is not installed (it builds kubeconform)"; exit 1; }
  log "building kubeconform $KUBECONFORM_VERSION from the Go module proxy (first time only)"
  mkdir -p "$(dirname "$BIN")"
  GOBIN="$(dirname "$BIN")" CGO_ENABLED=0 \
    go install "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION"
  [[ -x "$BIN" ]] || { log "kubeconform did not build"; exit 1; }
  log "kubeconform installed at $BIN"
}

case "${1:-}" in
  install) install ;;
  path) echo "$BIN" ;;
  *) echo "usage: $0 install | path" >&2; exit 2 ;;
esac
