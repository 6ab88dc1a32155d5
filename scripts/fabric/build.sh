#!/usr/bin/env bash
# Builds the Fabric commands (peer, orderer, cryptogen, configtxgen, osnadmin)
# from the Go module proxy at the pinned version, in the tools module beside
# this script, into a cache directory reused across runs.
set -euo pipefail
source "$(dirname "$0")/env.sh"
if [ -x "$BIN/peer" ] && [ -x "$BIN/orderer" ] && [ -x "$BIN/cryptogen" ] && [ -x "$BIN/configtxgen" ] && [ -x "$BIN/osnadmin" ]; then
  exit 0
fi
log "building Fabric $FABRIC_VERSION into $BIN (a few minutes the first time)"
mkdir -p "$BIN"
cd "$REPO/scripts/fabric/tools"
go build -o "$BIN/" github.com/hyperledger/fabric/cmd/peer github.com/hyperledger/fabric/cmd/orderer \
  github.com/hyperledger/fabric/cmd/cryptogen github.com/hyperledger/fabric/cmd/configtxgen github.com/hyperledger/fabric/cmd/osnadmin
