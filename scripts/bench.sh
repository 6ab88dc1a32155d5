#!/usr/bin/env bash
# Measures the service against the targets of issue 9 and prints one table.
#
#   scripts/bench.sh           full run: the demo, a 110,000-lot graph (the
#                              generator makes about nine events a lot, so with
#                              the writes about 10^6 events), 100,000 labels;
#                              about 9 minutes on 2 idle cores
#   scripts/bench.sh -quick    a smoke test of this script: small graph, 1,000
#                              labels, 2 s per measurement
#
# How it measures. It builds the service and a bare Gin server
# (scripts/bench/baseline: same module, so the same Gin; release mode, no
# request logging, one GET route encoding a fixed JSON object as large as a
# scan answer) and runs both on this machine with the same GOMAXPROCS (all
# cores). Load comes from wrk, an independent load generator, driven by the
# Lua scripts in scripts/bench/; wrk runs on the same cores as the servers, so
# every figure is what the servers reach while sharing the machine with their
# clients. Reads (scan JSON, scan page, trace) run as A/B rounds: the bare
# handler, then the service, three times, so a ratio compares two runs a few
# seconds apart; the table gives the median round and all rounds. Writes use
# one connection per wrk thread, each on its own lot, and are checked for
# durability after the service is killed (SIGKILL) and started again: every
# 2xx answer must be an event in the store. Anchoring is measured from each
# event's recorded time to its anchor's settled time, read from the SQLite file
# after the load, so the measurement adds no load of its own.
#
# Environment: BENCH_DURATION (seconds per read measurement; default 20, quick 2),
# BENCH_WRITE_DURATION (default 30, quick 3), BENCH_GRAPH (lots; default 110000,
# quick 300), BENCH_LABELS (default 100000, quick 1000), BENCH_CONNECTIONS
# (default 64), BENCH_BATCH (events per batch request; default 1000),
# BENCH_KEEP=1 keeps the work directory. The table is also written to
# BENCH_OUT when set.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LUA=$ROOT/scripts/bench

QUICK=0
for arg in "$@"; do
  case "$arg" in
    -quick|--quick) QUICK=1 ;;
    -h|-help|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $arg (try -quick)" >&2; exit 2 ;;
  esac
done
if [ "$QUICK" = 1 ]; then
  DUR=${BENCH_DURATION:-2} WDUR=${BENCH_WRITE_DURATION:-3} GRAPH=${BENCH_GRAPH:-300} LABELS=${BENCH_LABELS:-1000}
else
  DUR=${BENCH_DURATION:-20} WDUR=${BENCH_WRITE_DURATION:-30} GRAPH=${BENCH_GRAPH:-110000} LABELS=${BENCH_LABELS:-100000}
fi
CONNS=${BENCH_CONNECTIONS:-64}
BATCH=${BENCH_BATCH:-1000}
ROUNDS=3
CORES=$(nproc)
export GOMAXPROCS=${GOMAXPROCS:-$CORES}

step() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

# The load generator and the tools that read results, as scripts/test.sh
# installs what the tests need.
missing=()
for tool in wrk sqlite3 jq curl; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

WORK=$(mktemp -d /tmp/agritrace-bench.XXXXXX)
DATA=$WORK/data
DB=$DATA/agritrace.db
SVC_PID="" BASE_PID=""
cleanup() {
  for pid in $SVC_PID $BASE_PID; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  done
  if [ -n "${BENCH_KEEP:-}" ]; then echo "work directory kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "building the service and the bare Gin baseline"
go build -o "$WORK/bin/agritrace" ./cmd/agritrace
go build -o "$WORK/bin/baseline" ./scripts/bench/baseline
BIN=$WORK/bin/agritrace

# now_ms is wall-clock milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# start_service ADDR starts the service on the data directory and waits until
# /readyz answers 200; STARTUP_MS is the time from exec to that answer.
starts=0
start_service() {
  starts=$((starts + 1))
  local log=$WORK/service.$starts.log t0
  : >"$log"
  t0=$(now_ms)
  # wrk scans from one address: the per-address scan limit, which would
  # answer it 429, is lifted so that the scan path itself is measured.
  "$BIN" serve -addr "$1" -data "$DATA" -log-level info \
    -scan-limit 100000000/1s -keyed-scan-limit 100000000/1s >/dev/null 2>"$log" &
  SVC_PID=$!
  local addr=""
  for _ in $(seq 3000); do
    kill -0 "$SVC_PID" 2>/dev/null || { cat "$log" >&2; die "the service exited"; }
    if [ -z "$addr" ]; then
      addr=$(sed -n 's/.*"msg":"listening","addr":"\([^"]*\)".*/\1/p' "$log")
    elif [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/readyz")" = 200 ]; then
      STARTUP_MS=$(($(now_ms) - t0))
      SVC_ADDR=$addr
      BASE=http://$addr
      return
    fi
    sleep 0.01
  done
  die "the service was not ready within 30 s"
}

# stop_service SIGNAL stops the service and waits for it to exit.
stop_service() {
  kill -"$1" "$SVC_PID"
  wait "$SVC_PID" 2>/dev/null || true
  SVC_PID=""
}

# api KEY METHOD PATH [BODY] calls the API and prints the answer; an answer
# other than 2xx stops the run.
api() {
  local args=(-sS --fail-with-body -X "$2" -H "Authorization: Bearer $1")
  [ $# -lt 4 ] || args+=(-H 'Content-Type: application/json' -d "$4")
  curl "${args[@]}" "$BASE$3" || die "$2 $3 failed"
}

# run_wrk NAME ARGS... runs wrk and prints its RESULT line (scripts/bench/report.lua).
run_wrk() {
  local out=$WORK/wrk.$1.txt
  shift
  wrk "$@" >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
  grep '^RESULT' "$out" || { cat "$out" >&2; die "wrk printed no result"; }
}

# get FIELD RESULT-LINE prints one field of a RESULT line.
get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# median prints the median of the numbers on its input.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# calc EXPR prints an awk expression's value; holds EXPR exits 0 when it is true.
calc() { awk "BEGIN { printf \"%.${2:-1}f\", $1 }"; }
holds() { awk "BEGIN { exit !($1) }"; }
sql() { sqlite3 -readonly "$DB" "$@"; }

ROWS=$WORK/rows.tsv
: >"$ROWS"
# row KEY PATH MEASURED TARGET MET adds a line to the table; KEY orders it.
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$ROWS"; }
verdict() { if holds "$1"; then echo met; else echo "not met"; fi; }
# sized_verdict SIZE-HOLDS EXPR: the verdict, or "smaller than the target's
# data set" when the run was (a -quick run).
sized_verdict() { if holds "$1"; then verdict "$2"; else echo "smaller data set than the target's"; fi; }

step "starting the service and loading the demo"
mkdir -p "$DATA"
start_service 127.0.0.1:0
"$BIN" demo -url "$BASE" -data "$DATA" -password bench-password-unused >"$WORK/demo.out" 2>&1 ||
  { cat "$WORK/demo.out" >&2; die "the demo failed"; }
REG_KEY=$(sed -n 's/^ *export KEY=//p' "$WORK/demo.out")
BOTTLES=$(sed -n 's#^Verify the bottle lot: *.*/api/v1/lots/\(.*\)/verify$#\1#p' "$WORK/demo.out")
[ -n "$REG_KEY" ] && [ -n "$BOTTLES" ] || die "could not read the regulator's key and the bottle lot from the demo"
# Keys of the collection center and the mill, written to the store as
# "agritrace admin" does.
CC_KEY=$("$BIN" admin key create -org xingshan-cc -data "$DATA" | tail -1)
MILL_KEY=$("$BIN" admin key create -org gufu-mill -data "$DATA" | tail -1)
gtin_of() { api "$REG_KEY" GET /api/v1/products | jq -r --arg c "$1" '.products[] | select(.category == $c) | .gtin' | head -1; }
SEED=$(gtin_of rapeseed) OIL=$(gtin_of rapeseed-oil) MEAL=$(gtin_of rapeseed-meal) BOTTLE=$(gtin_of bottled-rapeseed-oil)

HAVE_BATCH=0
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $CC_KEY" \
  -H 'Content-Type: application/json' -d '{"events":[]}' "$BASE/api/v1/batch")" = 404 ] || HAVE_BATCH=1
DEEP="" GRAPH_NOTE="no graph: needs agritrace demo -graph"
if "$BIN" demo -h 2>&1 | grep -q -- '-graph'; then
  step "loading a graph of $GRAPH lots"
  t0=$(now_ms)
  "$BIN" demo -url "$BASE" -data "$DATA" -graph "$GRAPH" >"$WORK/graph.out" 2>&1 ||
    { cat "$WORK/graph.out" >&2; die "the graph generator failed"; }
  DEEP=$(sed -n 's/^deepest lot: \([^ ]*\) (depth \([0-9]*\)).*/\1/p' "$WORK/graph.out")
  DEPTH=$(sed -n 's/^deepest lot: [^ ]* (depth \([0-9]*\)).*/\1/p' "$WORK/graph.out")
  DEEP_KEY=$(sed -n 's/^key: //p' "$WORK/graph.out")
  GRAPH_NOTE="graph of $(sed -n 's/^lots: //p' "$WORK/graph.out") lots, $(sed -n 's/^events: //p' "$WORK/graph.out") events, loaded in $(calc "($(now_ms) - $t0) / 1000") s"
fi
TAG=$(date +%H%M%S)

# A label's Digital Link redirects (307) to its provenance page: the scans
# measured are of the pages, which do the work and record each scan.
api "$REG_KEY" GET "/api/v1/lots/$BOTTLES/units" | jq -r '.units[].url' | sed 's#^https\{0,1\}://[^/]*#/provenance#' >"$WORK/scans.txt"
step "scans of the demo's $(wc -l <"$WORK/scans.txt") bottles against the bare Gin handler, $ROUNDS rounds of ${DUR}s at $CONNS connections"
SCAN_BYTES=$(curl -s -H 'Accept: application/json' "$BASE$(head -1 "$WORK/scans.txt")" | wc -c)
: >"$WORK/baseline.out"
"$WORK/bin/baseline" -size "$SCAN_BYTES" >"$WORK/baseline.out" 2>&1 &
BASE_PID=$!
for _ in $(seq 500); do
  BASELINE=$(sed -n 's/^listening on //p' "$WORK/baseline.out")
  [ -z "$BASELINE" ] || break
  sleep 0.01
done
[ -n "$BASELINE" ] || die "the baseline did not start"
echo /scan >"$WORK/baseline.txt"
READ=(-t "$CORES" -c "$CONNS" -d "${DUR}s" --latency --timeout 10s -s "$LUA/get.lua")
: >"$WORK/reads.txt"
for r in $(seq $ROUNDS); do
  b=$(run_wrk "gin.$r" "${READ[@]}" "http://$BASELINE" -- "$WORK/baseline.txt" json)
  j=$(run_wrk "json.$r" "${READ[@]}" "$BASE" -- "$WORK/scans.txt" json)
  h=$(run_wrk "html.$r" "${READ[@]}" "$BASE" -- "$WORK/scans.txt" html)
  for kind in json html; do
    line=$j; [ $kind = json ] || line=$h
    printf '%s %s %s %s %s\n' $kind "$(get rps "$b")" "$(get rps "$line")" "$(get p99_ms "$line")" \
      $(($(get non2xx "$line") + $(get timeouts "$line") + $(get read_errors "$line"))) >>"$WORK/reads.txt"
  done
done
stop_pid=$BASE_PID BASE_PID=""
kill "$stop_pid"; wait "$stop_pid" 2>/dev/null || true
# read_row KIND PATH TARGET-RATIO [P99-TARGET-MS] adds the row of one kind of scan.
read_row() {
  local rows ratio gin svc p99 bad rounds
  rows=$(awk -v k="$1" '$1 == k { printf "%.2f %.0f %.0f %.1f %d\n", $3 / $2 * 100, $2, $3, $4, $5 }' "$WORK/reads.txt")
  ratio=$(cut -d' ' -f1 <<<"$rows" | median)
  gin=$(cut -d' ' -f2 <<<"$rows" | median)
  svc=$(cut -d' ' -f3 <<<"$rows" | median)
  p99=$(cut -d' ' -f4 <<<"$rows" | median)
  bad=$(cut -d' ' -f5 <<<"$rows" | awk '{ s += $1 } END { print s + 0 }')
  rounds=$(cut -d' ' -f1 <<<"$rows" | sed 's/$/ %/' | paste -sd, | sed 's/,/, /g')
  local measured="$(calc "$ratio") % of Gin ($svc vs $gin req/s; rounds $rounds), p99 $p99 ms"
  [ "$bad" = 0 ] || measured="$measured, $bad errors or time-outs"
  local ok="$ratio >= $3"
  [ -z "${4:-}" ] || ok="$ok && $p99 < $4"
  row "$1" "$2" "$measured" "≥ $3 % of Gin${4:+, p99 < $4 ms}" "$(verdict "$ok && $bad == 0")"
}
read_row json "scan, JSON, across a lot's 200 units" 50 20
read_row html "scan, HTML page" 30

if [ -n "$DEEP" ]; then
  step "trace of the deepest lot ($DEEP, depth $DEPTH) at 4 connections, $ROUNDS rounds of ${DUR}s"
  echo "/api/v1/lots/$DEEP/trace" >"$WORK/trace.txt"
  p99s="" errs=0
  for r in $(seq $ROUNDS); do
    t=$(run_wrk "trace.$r" -t 2 -c 4 -d "${DUR}s" --latency --timeout 10s -s "$LUA/get.lua" "$BASE" -- "$WORK/trace.txt" json "$DEEP_KEY")
    p99s="$p99s $(get p99_ms "$t")"
    errs=$((errs + $(get non2xx "$t") + $(get timeouts "$t")))
    trace_rps=$(get rps "$t")
  done
  p99=$(tr ' ' '\n' <<<"$p99s" | grep . | median)
  measured="p99 $p99 ms (rounds$(sed 's/ /, /g; s/^,//' <<<"$p99s") ms; $trace_rps req/s), depth $DEPTH"
  [ "$errs" = 0 ] || measured="$measured, $errs errors"
  row trace "full trace, deepest lot of the graph, 4 connections" "$measured" "p99 < 50 ms" "$(verdict "$p99 < 50 && $errs == 0")"
else
  row trace "full trace, deepest lot of the graph, 4 connections" "not measured: needs agritrace demo -graph" "p99 < 50 ms" "not measured"
fi

step "single-event writes: $CONNS connections, each on its own lot, ${WDUR}s"
for i in $(seq "$CONNS"); do
  api "$CC_KEY" POST /api/v1/lots "{\"gtin\":\"$SEED\",\"lot\":\"W$TAG-$i\",\"quantity\":1000000,\"origin\":{\"region\":\"420526101201\",\"village\":\"桃园村\",\"harvestDate\":\"2026-05-12\"}}" |
    jq -r '.lots[0].id'
done >"$WORK/write-lots.txt"
w=$(run_wrk writes -t "$CONNS" -c "$CONNS" -d "${WDUR}s" --latency --timeout 30s -s "$LUA/inspect.lua" "$BASE" -- \
  "$WORK/write-lots.txt" "$CC_KEY" "$WORK/write-acked.txt")
write_end=$(now_ms)
write_rate=$(calc "$(get ok "$w") / $(get seconds "$w")" 0)
write_5xx=$(get server_errors "$w")

LOTS_LIKE="e.lot LIKE '%.W$TAG-%'"
if [ "$HAVE_BATCH" = 1 ]; then
  step "bulk capture: batches of $BATCH events through POST /api/v1/batch, 4 connections, ${WDUR}s"
  k=$(run_wrk batch -t 2 -c 4 -d "${WDUR}s" --latency --timeout 120s -s "$LUA/batch.lua" "$BASE" -- \
    "$CC_KEY" "$SEED" "$BATCH" "K$TAG-" "$WORK/batch-acked.txt")
  write_end=$(now_ms)
  LOTS_LIKE="($LOTS_LIKE OR e.lot LIKE '%.K$TAG-%')"
  batch_rate=$(calc "$(get events "$k") / $(get seconds "$k")" 0)
  measured="$batch_rate events/s ($(get events "$k") events in $(get requests "$k") requests, p99 $(get p99_ms "$k") ms per request, $(get server_errors "$k") 5xx, $(get client_errors "$k") 4xx)"
  row batch "bulk capture, POST /api/v1/batch of $BATCH events" "$measured" "≥ 50,000 events/s" "$(verdict "$batch_rate >= 50000 && $(get server_errors "$k") == 0")"
else
  row batch "bulk capture, POST /api/v1/batch" "not measured: needs POST /api/v1/batch" "≥ 50,000 events/s" "not measured"
fi

step "waiting for the anchoring worker to settle every event"
for _ in $(seq 6000); do
  [ "$(sql "SELECT COUNT(*) FROM anchors WHERE status = 'pending'")" = 0 ] && break
  sleep 0.1
done
drain_ms=$(($(now_ms) - write_end))
pending=$(sql "SELECT COUNT(*) FROM anchors WHERE status = 'pending'")
# Acknowledgement-to-anchored: from the event's recorded time (set just before
# its commit, so this errs long) to the anchor's settled time, per event.
sql "SELECT (julianday(a.anchored_at) - julianday(json_extract(e.doc, '\$.time'))) * 86400000
  FROM events e JOIN anchors a ON a.kind = 'event' AND a.key = e.lot AND a.seq = e.seq
  WHERE $LOTS_LIKE AND a.status = 'anchored'" | sort -g >"$WORK/anchor-lag.txt"
lags=$(wc -l <"$WORK/anchor-lag.txt")
lag_p99=$(awk -v n="$lags" 'NR == int(n * 0.99 + 0.999) { printf "%.0f", $1 }' "$WORK/anchor-lag.txt")
lag_p50=$(awk -v n="$lags" 'NR == int(n * 0.5 + 0.999) { printf "%.0f", $1 }' "$WORK/anchor-lag.txt")
during="single-event writes only (no batch endpoint)"; [ "$HAVE_BATCH" = 0 ] || during="single-event writes and batches"
row anchor "anchoring on the embedded ledger, during $during" \
  "p99 ${lag_p99:-?} ms, p50 ${lag_p50:-?} ms over $lags events; all settled $(calc "$drain_ms / 1000") s after the load; $pending pending" \
  "acknowledgement-to-anchored p99 < 1 s" "$(verdict "${lag_p99:-1e9} < 1000 && $pending == 0")"

step "labels: $LABELS labelled units made (not timed), then printed"
CHUNK=10000 made=0 c=0
: >"$WORK/label-lots.txt"
while [ "$made" -lt "$LABELS" ]; do
  n=$((LABELS - made)); [ "$n" -le "$CHUNK" ] || n=$CHUNK
  c=$((c + 1))
  # 140 t of seed pressed into 50,000 L of oil (45.75 t, 32.7 %) and 86.8 t of
  # meal: enough for 10,000 bottles of 5 L.
  inputs=""
  for half in A B; do
    id=$(api "$CC_KEY" POST /api/v1/lots "{\"gtin\":\"$SEED\",\"lot\":\"L$TAG-$c$half\",\"quantity\":70000000,\"origin\":{\"region\":\"420526101205\",\"village\":\"响滩村\",\"harvestDate\":\"2026-05-15\"}}" | jq -r '.lots[0].id')
    api "$CC_KEY" POST "/api/v1/lots/$id/ship" '{"to":"gufu-mill"}' >/dev/null
    api "$MILL_KEY" POST "/api/v1/lots/$id/receive" '{}' >/dev/null
    inputs="$inputs${inputs:+,}{\"lot\":\"$id\",\"quantity\":70000000}"
  done
  api "$MILL_KEY" POST /api/v1/transforms "{\"inputs\":[$inputs],\"outputs\":[{\"gtin\":\"$OIL\",\"lot\":\"LO$TAG-$c\",\"quantity\":50000000},{\"gtin\":\"$MEAL\",\"lot\":\"LM$TAG-$c\",\"quantity\":86800000}]}" >/dev/null
  api "$MILL_KEY" POST "/api/v1/lots/$OIL.LO$TAG-$c/pack" "{\"gtin\":\"$BOTTLE\",\"lot\":\"LB$TAG-$c\",\"count\":$n,\"unitSize\":5000}" >/dev/null
  echo "$BOTTLE.LB$TAG-$c" >>"$WORK/label-lots.txt"
  made=$((made + n))
done
# A run prints at most the units of one pack, and an organization has one run
# at a time, so the labels print as consecutive runs, timed from the first
# request to the last run's done.
t0=$(now_ms)
while read -r lot; do
  run=$(api "$MILL_KEY" POST "/api/v1/lots/$lot/print-runs" '{"layout":"a4"}' | jq -r .id)
  while :; do
    status=$(api "$MILL_KEY" GET "/api/v1/print-runs/$run" | jq -r .status)
    [ "$status" != done ] || break
    [ "$status" != failed ] || die "print run $run failed"
    sleep 0.2
  done
done <"$WORK/label-lots.txt"
label_s=$(calc "($(now_ms) - $t0) / 1000")
row labels "labels: $LABELS signed labels printed (A4 PDF)" \
  "$label_s s ($(calc "$LABELS / $label_s" 0) labels/s, $(wc -l <"$WORK/label-lots.txt") runs)" \
  "< 60 s for 100,000" "$(sized_verdict "$LABELS >= 100000" "$label_s < 60")"

events_stored=$(sql "SELECT COUNT(*) FROM events")
hwm_kb=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$SVC_PID/status")
row memory "memory: peak RSS across all of the above" "$(calc "$hwm_kb / 1024" 0) MB with $events_stored events stored" \
  "< 200 MB with 10^6 events" "$(sized_verdict "$events_stored >= 1000000" "$hwm_kb < 200 * 1024")"

step "crash: SIGKILL, start again, count the acknowledged writes"
stop_service KILL
start_service "$SVC_ADDR"
crash_ms=$STARTUP_MS
# Per lot: stored inspections (events after the commission) against 2xx
# answers. A request under way when wrk stopped may be stored without its
# answer having been read, so a lot may hold one more than acknowledged; it
# may never hold fewer.
sql "SELECT lot, COUNT(*) - 1 FROM events WHERE lot LIKE '%.W$TAG-%' GROUP BY lot" | tr '|' ' ' >"$WORK/write-stored.txt"
read -r lost extra < <(awk 'FNR == NR { lot[FNR] = $1; next }
  FILENAME ~ /stored/ { stored[$1] = $2; next }
  { d = stored[lot[$1]] - $2; if (d < 0) lost -= d; else extra += d }
  END { print lost + 0, extra + 0 }' "$WORK/write-lots.txt" "$WORK/write-stored.txt" "$WORK/write-acked.txt")
durable="every 2xx stored after a SIGKILL"
[ "$lost" = 0 ] || durable="$lost ACKNOWLEDGED EVENTS LOST after a SIGKILL"
[ "$extra" = 0 ] || durable="$durable (+$extra in flight at the cut-off)"
if [ "$HAVE_BATCH" = 1 ]; then
  acked=$(awk '{ s += $3 } END { print s + 0 }' "$WORK/batch-acked.txt")
  stored=$(sql "SELECT COUNT(*) FROM events WHERE lot LIKE '%.K$TAG-%'")
  if [ "$stored" -lt "$acked" ]; then
    lost=$((lost + acked - stored))
    durable="$durable; batches: $((acked - stored)) ACKNOWLEDGED EVENTS LOST"
  else
    durable="$durable; batches: every accepted event stored"
    [ "$stored" = "$acked" ] || durable="$durable (+$((stored - acked)) in flight at the cut-off)"
  fi
fi
row writes "single-event writes, $CONNS connections" \
  "$write_rate events/s, p99 $(get p99_ms "$w") ms, $write_5xx 5xx, $(get client_errors "$w") 4xx; $durable" \
  "≥ 5,000 events/s, p99 < 100 ms, no 5xx, all durable" \
  "$(verdict "$write_rate >= 5000 && $(get p99_ms "$w") < 100 && $write_5xx == 0 && $lost == 0")"

step "start-up: stop (SIGTERM), start again on the same data, time to /readyz 200"
stop_service TERM
start_service "$SVC_ADDR"
row startup "start-up to /readyz with $events_stored events" "$STARTUP_MS ms after SIGTERM ($crash_ms ms after SIGKILL)" \
  "< 1 s with 10^6 events" "$(sized_verdict "$events_stored >= 1000000" "$STARTUP_MS < 1000")"

# The table, in the order of the issue's targets.
{
  mode=full; [ "$QUICK" = 0 ] || mode="quick (-quick)"
  [ -z "${BENCH_DURATION:-}${BENCH_WRITE_DURATION:-}${BENCH_GRAPH:-}${BENCH_LABELS:-}" ] || mode="$mode, sizes from BENCH_*,"
  echo "AgriTrace scripts/bench.sh, $mode run, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "Machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $CORES cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(uname -sr); GOMAXPROCS=$GOMAXPROCS for both servers"
  echo "Load: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2) on the same cores; reads ${DUR}s × $ROUNDS A/B rounds at $CONNS connections ($CORES threads), writes ${WDUR}s; $GRAPH_NOTE"
  echo
  echo "| path | measured | target | |"
  echo "| --- | --- | --- | --- |"
  for key in json html writes batch anchor trace labels memory startup; do
    awk -F'\t' -v k="$key" '$1 == k { printf "| %s | %s | %s | %s |\n", $2, $3, $4, $5 }' "$ROWS"
  done
} | tee "${BENCH_OUT:-/dev/null}"
