#!/usr/bin/env bash
# Stops, starts or shows one node of the running network, keeping its data, to
# test outages:
#   node.sh stop|start|status orderer0|orderer1|orderer2|orderer|collector|regulator|cc-collector|cc-regulator|chaincode|all
# "orderer" names all three orderers at once, "chaincode" both organizations'
# chaincode servers.
# stop waits until the process is gone (SIGTERM, SIGKILL after 10 s), so its
# ports are free; start returns once the node listens on its port.
set -euo pipefail
source "$(dirname "$0")/env.sh"
usage="usage: node.sh stop|start|status orderer0|orderer1|orderer2|orderer|collector|regulator|cc-collector|cc-regulator|chaincode|all"
action=${1:-} target=${2:-all}
case "$target" in
  all) targets=$NODES ;;
  orderer) targets=$ORDERER_NAMES ;;
  chaincode) targets=$CHAINCODE_NAMES ;;
  orderer0|orderer1|orderer2|collector|regulator|cc-collector|cc-regulator) targets=$target ;;
  *) die "$usage" ;;
esac
if [ "$action" = stop ]; then
  # Signal every target first and then wait: they stop side by side.
  pids=()
  for n in $targets; do
    if running "$n"; then
      pid=$(cat "$DIR/pids/$n.pid")
      kill "$pid" 2>/dev/null || true
      pids+=("$n:$pid")
    fi
  done
  for entry in "${pids[@]}"; do
    n=${entry%%:*} pid=${entry##*:}
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$n (pid $pid) ignored SIGTERM for 10 s; killing it"
      kill -9 "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  done
  for n in $targets; do rm -f "$DIR/pids/$n.pid"; done
  exit 0
fi
for n in $targets; do
  case "$action" in
    start)
      [ -x "$DIR/run/$n.sh" ] || die "no network in $DIR: run scripts/fabric/up.sh first"
      running "$n" && continue
      port_free "$n" "$(node_port "$n")"
      nohup "$DIR/run/$n.sh" >>"$DIR/logs/$n.log" 2>&1 </dev/null &
      echo $! >"$DIR/pids/$n.pid"
      wait_port "$(node_port "$n")" "$n"
      ;;
    status)
      if running "$n"; then echo "$n: running (pid $(cat "$DIR/pids/$n.pid"))"; else echo "$n: stopped"; fi
      ;;
    *) die "$usage" ;;
  esac
done
