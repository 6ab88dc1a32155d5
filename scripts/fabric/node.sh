#!/usr/bin/env bash
# Stops or starts one node of the running network, keeping its data, to test
# outages:  node.sh stop|start orderer|collector|regulator|chaincode|all
set -euo pipefail
source "$(dirname "$0")/env.sh"
action=${1:-} target=${2:-}
case "$target" in
  all) targets=$NODES ;;
  orderer|collector|regulator|chaincode) targets=$target ;;
  *) die "usage: node.sh stop|start orderer|collector|regulator|chaincode|all" ;;
esac
for n in $targets; do
  case "$action" in
    stop)
      if running "$n"; then
        pid=$(cat "$DIR/pids/$n.pid")
        kill "$pid" 2>/dev/null || true
        # Wait until it is gone, so its ports are free for a restart.
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$DIR/pids/$n.pid"
      ;;
    start)
      [ -x "$DIR/run/$n.sh" ] || die "no network in $DIR: run scripts/fabric/up.sh first"
      running "$n" && continue
      nohup "$DIR/run/$n.sh" >>"$DIR/logs/$n.log" 2>&1 &
      echo $! >"$DIR/pids/$n.pid"
      ;;
    *) die "usage: node.sh stop|start orderer|collector|regulator|chaincode|all" ;;
  esac
done
