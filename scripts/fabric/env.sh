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
PORTS="orderer0:7050 orderer0-admin:7053 orderer0-ops:8443 orderer1:7150 orderer1-admin:7153 orderer1-ops:8444 orderer2:7250 orderer2-admin:7253 orderer2-ops:8445 collector-peer:7051 collector-chaincode:7052 collector-ops:9443 regulator-peer:9051 regulator-chaincode:9052 regulator-ops:9444 custody-chaincode:9999"

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
NODES="$ORDERER_NAMES collector regulator chaincode"
# node_port NAME: the port that says a node is serving.
node_port() {
  case $1 in
    orderer0) echo 7050 ;; orderer1) echo 7150 ;; orderer2) echo 7250 ;;
    collector) echo 7051 ;; regulator) echo 9051 ;; chaincode) echo 9999 ;;
  esac
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
