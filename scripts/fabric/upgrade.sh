#!/usr/bin/env bash
# Upgrades the custody chaincode on the running network to the next sequence
# of its definition, built from this checkout:
#   upgrade.sh [POLICY]   (default: the policy in env.sh, $ENDORSEMENT)
# Each organization packages the new build under a new label, installs it on
# its own peer and starts its new chaincode server beside the old one, on
# the other port of its pair; both organizations approve the next sequence,
# and its commit switches every peer to the new servers at one block. The
# old servers stop after that, so transactions keep flowing throughout.
set -euo pipefail
source "$(dirname "$0")/env.sh"
policy=${1:-$ENDORSEMENT}
[ -e "$DIR/$MARKER" ] && [ -f "$DIR/client.env" ] || die "no network in $DIR: run scripts/fabric/up.sh first"
export PATH=$BIN:$PATH

committed() { # the committed definition's sequence
  (org_env collector 7051 && peer lifecycle chaincode querycommitted --channelID "$CHANNEL" --name "$CHAINCODE" -O json) |
    sed -n 's/.*"sequence": *\([0-9]*\).*/\1/p'
}
seq=$(committed)
[ -n "$seq" ] || die "cannot read the committed definition of $CHAINCODE; see $DIR/logs/cli.log"
next=$((seq + 1)) label="${CHAINCODE}_$((seq + 1))"
log "upgrading $CHAINCODE from sequence $seq to $next ($policy)"

(cd "$REPO" && go build -o "$DIR/bin/custody-chaincode-$next" ./cmd/custody-chaincode)
declare -A PACKAGE_ID NEW_PORT
for org in collector regulator; do
  base=$(cc_port "$org") old=$(cat "$DIR/run/cc-$org.port")
  NEW_PORT[$org]=$([ "$old" = "$base" ] && echo $((base - 10)) || echo "$base")
  port_free "cc-$org (new)" "${NEW_PORT[$org]}"
  package_chaincode "$org" "${NEW_PORT[$org]}" "$label" "$DIR/cc/$org-$next"
  (org_env "$org" "$(peer_port "$org")" && retry 10 peer lifecycle chaincode install "$DIR/cc/$org-$next/$CHAINCODE.tgz")
  PACKAGE_ID[$org]=$(org_env "$org" "$(peer_port "$org")" && peer lifecycle chaincode calculatepackageid "$DIR/cc/$org-$next/$CHAINCODE.tgz")
  chaincode_launcher "$org" "${NEW_PORT[$org]}" "${PACKAGE_ID[$org]}" "$DIR/bin/custody-chaincode-$next" >"$DIR/run/cc-$org.next.sh"
  chmod +x "$DIR/run/cc-$org.next.sh"
  nohup "$DIR/run/cc-$org.next.sh" >>"$DIR/logs/cc-$org.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/cc-$org.next.pid"
  wait_port "${NEW_PORT[$org]}" "cc-$org"
done

for org in collector regulator; do
  (org_env "$org" "$(peer_port "$org")" && retry 30 peer lifecycle chaincode approveformyorg "${ORDERER_ARGS[@]}" \
    --channelID "$CHANNEL" --name "$CHAINCODE" --version "$next.0" --package-id "${PACKAGE_ID[$org]}" --sequence "$next" \
    --signature-policy "$policy")
done
(org_env collector 7051 && retry 30 peer lifecycle chaincode commit "${ORDERER_ARGS[@]}" --channelID "$CHANNEL" \
  --name "$CHAINCODE" --version "$next.0" --sequence "$next" --signature-policy "$policy" "${PEERS[@]}")
[ "$(committed)" = "$next" ] || die "sequence $next was not committed; see $DIR/logs/cli.log"

# The peers now dial the new servers: retire the old ones.
for org in collector regulator; do
  "$REPO/scripts/fabric/node.sh" stop "cc-$org"
  mv "$DIR/run/cc-$org.next.sh" "$DIR/run/cc-$org.sh"
  mv "$DIR/pids/cc-$org.next.pid" "$DIR/pids/cc-$org.pid"
  echo "${NEW_PORT[$org]}" >"$DIR/run/cc-$org.port"
done
log "upgraded: $CHAINCODE sequence $next (${PACKAGE_ID[collector]}, ${PACKAGE_ID[regulator]})"
