#!/usr/bin/env bash
# Stops every node of the local Fabric network, waits until each process is
# gone, and removes the network's directory. Running it when nothing is up
# does nothing. It refuses to delete a directory that is not a network's.
set -euo pipefail
source "$(dirname "$0")/env.sh"
if [ -d "$DIR" ] && [ ! -e "$DIR/$MARKER" ] && [ -n "$(ls -A "$DIR")" ]; then
  die "$DIR is not a Fabric network directory made by up.sh (no $MARKER); not touching it"
fi
if [ -d "$DIR/pids" ]; then
  "$REPO/scripts/fabric/node.sh" stop all
  # A chaincode server an interrupted upgrade.sh started.
  for f in "$DIR"/pids/*.next.pid; do
    [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
fi
rm -rf "$DIR"
log "down ($DIR removed)"
