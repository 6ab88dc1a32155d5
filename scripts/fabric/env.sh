# Shared settings for the Fabric network scripts; sourced, not run.
# Everything lives under one directory and listens on 127.0.0.1 only.

FABRIC_VERSION=v1.4.0-rc1.0.20230405174026-695dd57e01c2 # Fabric main of 2023-04-05 (2.5 era, Gateway built in)
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DIR=${AGRITRACE_FABRIC_DIR:-/tmp/agritrace-fabric}
BIN=${AGRITRACE_FABRIC_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/agritrace/fabric-$FABRIC_VERSION/bin}
CHANNEL=custody
CHAINCODE=custody
DOMAIN=agritrace.local

# name:port pairs, checked free before start.
PORTS="orderer0:7050 orderer0-admin:7053 orderer0-ops:8443 orderer1:7150 orderer1-admin:7153 orderer1-ops:8444 orderer2:7250 orderer2-admin:7253 orderer2-ops:8445 collector-peer:7051 collector-chaincode:7052 collector-ops:9443 regulator-peer:9051 regulator-chaincode:9052 regulator-ops:9444 cc-collector:9999 cc-regulator:9998"

# The chaincode's endorsement policy: a transaction counts only when a peer
# of each organization ran the contract and agreed on its result.
ENDORSEMENT="AND('CollectorMSP.peer','RegulatorMSP.peer')"

CRYPTO=$DIR/crypto
ORDERER_TLS=$CRYPTO/ordererOrganizations/$DOMAIN/orderers/orderer0.$DOMAIN/tls
ORDERER_CA=$ORDERER_TLS/ca.crt
ORDERER_ADMIN=$CRYPTO/ordererOrganizations/$DOMAIN/users/Admin@$DOMAIN/tls

# org_env ORG PORT: the peer CLI environment of ORG's admin against its peer.
org_env() {
  local org=$1 port=$2 mspid
  mspid="$(tr '[:lower:]' '[:upper:]' <<<"${org:0:1}")${org:1}MSP"
  local base=$CRYPTO/peerOrganizations/$org.$DOMAIN
  export FABRIC_CFG_PATH=$DIR/config/$org
  export CORE_PEER_TLS_ENABLED=true
  export CORE_PEER_LOCALMSPID=$mspid
  export CORE_PEER_TLS_ROOTCERT_FILE=$base/peers/peer0.$org.$DOMAIN/tls/ca.crt
  export CORE_PEER_MSPCONFIGPATH=$base/users/Admin@$org.$DOMAIN/msp
  export CORE_PEER_ADDRESS=127.0.0.1:$port
}

# running NAME: the node's process is alive, and is ours (not a reused pid).
running() {
  local pid
  pid=$(cat "$DIR/pids/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null &&
    cat "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null | tr '\0' '\n' |
    grep -qF -e "$DIR/bin/" -e "FABRIC_CFG_PATH=$DIR/config/"
}

# The three Raft orderers of OrdererMSP, as NAME:LISTEN:ADMIN:OPERATIONS.
# All three are consenters of the channel: any one may stop and the other
# two still make a majority.
ORDERERS="orderer0:7050:7053:8443 orderer1:7150:7153:8444 orderer2:7250:7253:8445"
ORDERER_NAMES="orderer0 orderer1 orderer2"
# Each peer organization runs its own chaincode server (cc-ORG).
CHAINCODE_NAMES="cc-collector cc-regulator"
NODES="$ORDERER_NAMES collector regulator $CHAINCODE_NAMES"
peer_port() { case $1 in collector) echo 7051 ;; regulator) echo 9051 ;; esac; }
# cc_port ORG: where ORG's chaincode server listens first; an upgrade moves
# it to the other port of the pair and back (upgrade.sh).
cc_port() { case $1 in collector) echo 9999 ;; regulator) echo 9998 ;; esac; }
# node_port NAME: the port that says a node is serving.
node_port() {
  case $1 in
    orderer0) echo 7050 ;; orderer1) echo 7150 ;; orderer2) echo 7250 ;;
    collector|regulator) peer_port "$1" ;;
    cc-*) cat "$DIR/run/$1.port" ;;
  esac
}

ORDERER_ARGS=(-o 127.0.0.1:7050 --ordererTLSHostnameOverride "orderer0.$DOMAIN" --tls --cafile "$ORDERER_CA")
# Both organizations' peers, for lifecycle commits that need their endorsement.
PEERS=(--peerAddresses 127.0.0.1:7051 --tlsRootCertFiles "$CRYPTO/peerOrganizations/collector.$DOMAIN/peers/peer0.collector.$DOMAIN/tls/ca.crt"
  --peerAddresses 127.0.0.1:9051 --tlsRootCertFiles "$CRYPTO/peerOrganizations/regulator.$DOMAIN/peers/peer0.regulator.$DOMAIN/tls/ca.crt")

# package_chaincode ORG PORT LABEL OUTDIR: a chaincode-as-a-service package
# telling ORG's peer to dial its own chaincode server on PORT with mutual
# TLS: the server's certificate is checked against ORG's TLS CA, and the
# peer shows its own TLS certificate.
package_chaincode() {
  local org=$1 port=$2 label=$3 out=$4 base=$CRYPTO/peerOrganizations/$1.$DOMAIN
  local peer_tls=$base/peers/peer0.$org.$DOMAIN/tls
  mkdir -p "$out"
  chmod 700 "$out"
  # PEM files as JSON strings: newlines become \n.
  pem() { awk 'BEGIN { ORS = "" } { print $0 "\\n" }' "$1"; }
  cat >"$out/connection.json" <<JSON
{"address": "127.0.0.1:$port", "dial_timeout": "10s", "tls_required": true, "client_auth_required": true,
 "root_cert": "$(pem "$base/tlsca/tlsca.$org.$DOMAIN-cert.pem")",
 "client_cert": "$(pem "$peer_tls/server.crt")", "client_key": "$(pem "$peer_tls/server.key")"}
JSON
  printf '{"type": "ccaas", "label": "%s"}\n' "$label" >"$out/metadata.json"
  (umask 077 && tar -C "$out" -czf "$out/code.tar.gz" connection.json &&
    tar -C "$out" -czf "$out/$CHAINCODE.tgz" metadata.json code.tar.gz)
}

# chaincode_launcher ORG PORT PACKAGE_ID BINARY: the script that runs ORG's
# chaincode server, written to stdout.
chaincode_launcher() {
  local cc=$CRYPTO/peerOrganizations/$1.$DOMAIN/chaincode
  cat <<SH
#!/bin/sh
export CHAINCODE_ID=$3 CHAINCODE_SERVER_ADDRESS=127.0.0.1:$2
export CHAINCODE_TLS_CERT=$cc/server.crt CHAINCODE_TLS_KEY=$cc/server.key
export CHAINCODE_TLS_CLIENT_CA=$CRYPTO/peerOrganizations/$1.$DOMAIN/tlsca/tlsca.$1.$DOMAIN-cert.pem
export CUSTODY_REGULATORS=RegulatorMSP
exec $4
SH
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# wait_port PORT NAME: wait up to 20 s for NAME to listen on PORT.
wait_port() {
  for _ in $(seq 1 100); do listening "$1" && return 0; sleep 0.2; done
  die "$2 did not start listening on 127.0.0.1:$1; see $DIR/logs/$2.log"
}
# port_free NAME PORT: fail, naming the port, if something already listens.
port_free() {
  if listening "$2"; then
    die "port $2 ($1) on 127.0.0.1 is taken; stop what uses it (ss -ltnp 'sport = :$2') or the other network, and retry"
  fi
}
# MARKER marks a directory as a network's state, so down.sh removes only those.
MARKER=.agritrace-fabric

log() { printf '[fabric] %s\n' "$*" >&2; }
die() { printf '[fabric] error: %s\n' "$*" >&2; exit 1; }

# retry N CMD...: run CMD until it succeeds, N times at most, a second apart.
retry() {
  local n=$1; shift
  for ((i = 1; i <= n; i++)); do
    if "$@" >>"$DIR/logs/cli.log" 2>&1; then return 0; fi
    sleep 1
  done
  log "failed after $n tries: $*  (see $DIR/logs/cli.log)"
  return 1
}
