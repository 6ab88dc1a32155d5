#!/usr/bin/env bash
# Measures writes a second through one instance and through three on the
# multi-instance rig (FerretDB on PostgreSQL, the Fabric network, shared
# label keys): BenchmarkInstances in cmd/agritrace, with the processor time
# FerretDB, PostgreSQL and the instances spent per event. Needs the Fabric
# network (scripts/fabric/up.sh) and Debian's postgresql; about 3 minutes.
#
#   AGRITRACE_FABRIC_ENV=/tmp/agritrace-fabric/client.env scripts/bench/instances.sh
#
# BENCH_DURATION (seconds per measurement; default 20).
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${AGRITRACE_FABRIC_ENV:?run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV to the client.env it writes}"
exec go test -count=1 -run '^$' -bench BenchmarkInstances -benchtime "${BENCH_DURATION:-20}s" ./cmd/agritrace/
