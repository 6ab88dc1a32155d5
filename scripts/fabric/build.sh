#!/usr/bin/env bash
# Builds the Fabric commands (peer, orderer, cryptogen, configtxgen, osnadmin,
# configtxlator) from the Go module proxy at the pinned version, in the tools
# module beside this script, into a cache directory reused across runs; and
# Fabric CA's server and client, pinned in the ca-tools module, into the same
# directory.
set -euo pipefail
source "$(dirname "$0")/env.sh"
if ! { [ -x "$BIN/peer" ] && [ -x "$BIN/orderer" ] && [ -x "$BIN/cryptogen" ] && [ -x "$BIN/configtxgen" ] && [ -x "$BIN/osnadmin" ] && [ -x "$BIN/configtxlator" ]; }; then
  log "building Fabric $FABRIC_VERSION into $BIN (a few minutes the first time)"
  mkdir -p "$BIN"
  (cd "$REPO/scripts/fabric/tools" &&
    go build -o "$BIN/" github.com/hyperledger/fabric/cmd/peer github.com/hyperledger/fabric/cmd/orderer \
      github.com/hyperledger/fabric/cmd/cryptogen github.com/hyperledger/fabric/cmd/configtxgen github.com/hyperledger/fabric/cmd/osnadmin \
      github.com/hyperledger/fabric/cmd/configtxlator)
fi
# BIN is named after Fabric's version only, so the CA binaries are rebuilt
# when they do not report the version ca-tools/go.mod pins.
ca_version=$(sed -n 's|^require github.com/hyperledger/fabric-ca v||p' "$REPO/scripts/fabric/ca-tools/go.mod")
if ! { [ -x "$BIN/fabric-ca-client" ] && "$BIN/fabric-ca-server" version 2>/dev/null | grep -qx " Version: $ca_version"; }; then
  log "building Fabric CA v$ca_version into $BIN (about 1.5 min the first time)"
  mkdir -p "$BIN"
  (cd "$REPO/scripts/fabric/ca-tools" &&
    go build -o "$BIN/" github.com/hyperledger/fabric-ca/cmd/fabric-ca-server github.com/hyperledger/fabric-ca/cmd/fabric-ca-client)
fi
