#!/usr/bin/env bash
# Runs a Fabric CA for one organization on that organization's existing CA
# certificate and key (cryptogen's ca/, or a production organization's own),
# so the identities it enrols are members of the MSP already on the channel;
# and registers, enrols and revokes client identities and writes its CRL.
#
#   ca.sh start ORG_DIR        start the CA (ORG_DIR: peerOrganizations/<domain>)
#   ca.sh enroll NAME MSP_DIR  register NAME as a client and enrol it into MSP_DIR
#   ca.sh revoke NAME [REASON] revoke every certificate of NAME (default reason: unspecified)
#   ca.sh gencrl FILE          write the CA's current CRL (PEM) to FILE
#   ca.sh stop | status
#
# The CA's state (its database of identities and certificates, its TLS key,
# the registrar's MSP) lives in AGRITRACE_CA_DIR (default /tmp/agritrace-ca);
# it listens with TLS on AGRITRACE_CA_HOST:AGRITRACE_CA_PORT (127.0.0.1:7054),
# its operations endpoint on AGRITRACE_CA_OPS_PORT (17054). Every file it and
# this script write is readable by the owner only (umask 077; directories
# 0700, files 0600), and no secret is passed on a command line: passwords go
# through the environment of the one process that needs them.
set -euo pipefail
source "$(dirname "$0")/env.sh"
umask 077

# Absolute, since the server's command line names it and stop finds it there.
CA_DIR=$(realpath -m "${AGRITRACE_CA_DIR:-/tmp/agritrace-ca}")
CA_HOST=${AGRITRACE_CA_HOST:-127.0.0.1}
CA_PORT=${AGRITRACE_CA_PORT:-7054}
CA_OPS_PORT=${AGRITRACE_CA_OPS_PORT:-17054}
CA_URL=https://$CA_HOST:$CA_PORT
ADMIN=$CA_DIR/registrar

[ -x "$BIN/fabric-ca-server" ] && [ -x "$BIN/fabric-ca-client" ] ||
  die "Fabric CA is not built in $BIN; run scripts/fabric/build.sh"

# ca_running: the recorded server process is alive and serves CA_DIR.
ca_running() {
  local pid
  pid=$(cat "$CA_DIR/server.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null &&
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$CA_DIR"
}

# org_dir: the organization directory the CA was started on.
org_dir() {
  cat "$CA_DIR/org" 2>/dev/null || die "no CA in $CA_DIR; run ca.sh start ORG_DIR first"
}

# client ARGS...: fabric-ca-client against this CA, trusting the organization's
# CA for TLS (the server's TLS certificate is issued by it), output to the log.
client() {
  FABRIC_CA_CLIENT_TLS_CERTFILES="$(ca_cert "$(org_dir)")" FABRIC_CA_CLIENT_URL=${FABRIC_CA_CLIENT_URL:-$CA_URL} \
    "$BIN/fabric-ca-client" "$@" >>"$CA_DIR/client.log" 2>&1 ||
    die "fabric-ca-client $1 failed; see $CA_DIR/client.log"
}

# ca_listening: the CA's address accepts connections (CA_HOST need not be
# the loopback address env.sh's listening checks).
ca_listening() { (exec 3<>"/dev/tcp/$CA_HOST/$CA_PORT") 2>/dev/null; }

ca_cert() { echo "$1/ca/ca.$(basename "$1")-cert.pem"; }

secret() { head -c 24 /dev/urandom | base64 | tr -d '/+='; }

# owner_only DIR: directories 0700 and files 0600 below DIR, whatever modes
# the Fabric CA commands chose.
owner_only() {
  find "$1" -type d -exec chmod 700 {} + && find "$1" -type f -exec chmod 600 {} +
}

start() {
  local org=${1:?usage: ca.sh start ORG_DIR}
  org=$(cd "$org" && pwd)
  [ -f "$(ca_cert "$org")" ] && [ -f "$org/ca/priv_sk" ] ||
    die "$org has no ca/ca.$(basename "$org")-cert.pem and ca/priv_sk"
  mkdir -p "$CA_DIR"
  if [ -f "$CA_DIR/org" ] && [ "$(cat "$CA_DIR/org")" != "$org" ]; then
    die "$CA_DIR belongs to the CA of $(cat "$CA_DIR/org"), not $org"
  fi
  if ca_running; then
    log "the CA of $(basename "$org") is already running on $CA_URL"
    return
  fi
  port_free fabric-ca "$CA_PORT"
  port_free fabric-ca-operations "$CA_OPS_PORT"
  echo "$org" >"$CA_DIR/org"
  local first="" boot=""
  if [ ! -d "$ADMIN" ]; then
    first=1
    boot=registrar:$(secret)
  fi
  # The bootstrap identity is read only when the server writes its first
  # configuration, which (like the server's log) keeps its password in clear:
  # every secret enrols once, so that one is spent when the registrar has
  # enrolled. The server key is the organization's CA key, in place.
  FABRIC_CA_SERVER_BOOT=$boot setsid "$BIN/fabric-ca-server" start -H "$CA_DIR" --registry.maxenrollments 1 \
    --address "$CA_HOST" --port "$CA_PORT" --operations.listenaddress "127.0.0.1:$CA_OPS_PORT" \
    --ca.certfile "$(ca_cert "$org")" --ca.keyfile "$org/ca/priv_sk" \
    --tls.enabled --csr.hosts "$CA_HOST,localhost" \
    </dev/null >>"$CA_DIR/server.log" 2>&1 &
  echo $! >"$CA_DIR/server.pid"
  for _ in $(seq 1 150); do
    ca_listening && break
    ca_running || die "fabric-ca-server exited; see $CA_DIR/server.log"
    sleep 0.2
  done
  ca_listening || die "fabric-ca-server did not listen on $CA_URL in 30 s; see $CA_DIR/server.log"
  if [ -n "$first" ]; then
    FABRIC_CA_CLIENT_URL=https://$boot@$CA_HOST:$CA_PORT client enroll -H "$ADMIN"
  fi
  owner_only "$CA_DIR"
  log "the CA of $(basename "$org") listens on $CA_URL (state in $CA_DIR)"
}

enroll() {
  local name=${1:?usage: ca.sh enroll NAME MSP_DIR} msp=${2:?usage: ca.sh enroll NAME MSP_DIR}
  local org pass home
  org=$(org_dir)
  if [ -e "$msp" ] && [ -n "$(ls -A "$msp")" ]; then die "$msp is not empty"; fi
  mkdir -p "$msp"
  msp=$(cd "$msp" && pwd)
  pass=$(secret)
  # The secret is not kept (the server allows one enrolment per secret);
  # renewal goes through reenroll with the certificate.
  FABRIC_CA_CLIENT_ID_SECRET=$pass client register -H "$ADMIN" --id.name "$name" --id.type client
  home=$(mktemp -d "$CA_DIR/enroll.XXXXXX")
  FABRIC_CA_CLIENT_URL=https://$name:$pass@$CA_HOST:$CA_PORT \
    client enroll -H "$home" -M "$msp" --csr.names "O=$(basename "$org")"
  rm -rf "$home"
  # Lay the MSP out as cryptogen does, so the organization's config.yaml
  # (NodeOUs: OU=client makes a client) names its CA certificate as it is.
  rm -rf "$msp/cacerts" "$msp/user" "$msp/IssuerPublicKey" "$msp/IssuerRevocationPublicKey"
  cp -r "$org/msp/cacerts" "$org/msp/tlscacerts" "$org/msp/config.yaml" "$msp/"
  owner_only "$msp"
  log "enrolled $name into $msp"
}

revoke() {
  local name=${1:?usage: ca.sh revoke NAME [REASON]}
  org_dir >/dev/null
  client revoke -H "$ADMIN" -e "$name" -r "${2:-unspecified}"
  log "revoked every certificate of $name; run ca.sh gencrl and update the channel's MSP"
}

gencrl() {
  local file=${1:?usage: ca.sh gencrl FILE}
  org_dir >/dev/null
  client gencrl -H "$ADMIN"
  cp "$ADMIN/msp/crls/crl.pem" "$file"
  log "wrote the CRL to $file"
}

stop() {
  if ! ca_running; then
    log "no CA running for $CA_DIR"
    return
  fi
  local pid
  pid=$(cat "$CA_DIR/server.pid")
  kill "$pid"
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$CA_DIR/server.pid"; log "stopped the CA"; return; }
    sleep 0.2
  done
  die "fabric-ca-server ($pid) did not stop in 20 s"
}

case ${1:-} in
  start | enroll | revoke | gencrl | stop) cmd=$1; shift; "$cmd" "$@" ;;
  status) if ca_running; then echo running; else echo stopped; exit 1; fi ;;
  *) die "usage: ca.sh start ORG_DIR | enroll NAME MSP_DIR | revoke NAME [REASON] | gencrl FILE | stop | status" ;;
esac
