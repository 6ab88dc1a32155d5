#!/usr/bin/env bash
# Stops every node of the local Fabric network and removes its directory.
# Running it when nothing is up does nothing.
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$REPO/scripts/fabric/node.sh" stop all
rm -rf "$DIR"
log "down"
