#!/usr/bin/env bash
# Brings up a local Hyperledger Fabric network without Docker: three Raft
# orderers, a peer for the collection-center/processor organization
# (CollectorMSP) and one for the regulator (RegulatorMSP), the "custody"
# channel joined through the channel participation API, and the custody
# chaincode run as a service by each organization beside its own peer (TLS
# both ways between them), installed, approved by both organizations with
# the endorsement policy $ENDORSEMENT and committed. Writes $AGRITRACE_FABRIC_DIR/client.env for the service and
# tests. Running it again while the network is up does nothing; if some of
# its nodes were stopped, it starts them again from their data.
set -euo pipefail
source "$(dirname "$0")/env.sh"

# newer LOG OFFSET PATTERN: the log has PATTERN past byte OFFSET.
newer() { tail -c +"$(($2 + 1))" "$DIR/logs/$1.log" 2>/dev/null | grep -q "$3"; }
logsize() { stat -c %s "$DIR/logs/$1.log" 2>/dev/null || echo 0; }

if [ -e "$DIR/$MARKER" ] && [ -f "$DIR/client.env" ]; then
  all=1
  for n in $NODES; do running "$n" || all=0; done
  if [ $all = 1 ]; then
    log "already up ($DIR)"
    exit 0
  fi
  # A network whose nodes stopped (node.sh stop, a crash): start them again
  # from their data, in dependency order, and wait until they serve.
  log "restarting the stopped nodes of $DIR from their data"
  declare -A offset restarted
  for n in $NODES; do
    running "$n" && continue
    offset[$n]=$(logsize "$n") restarted[$n]=1
    "$REPO/scripts/fabric/node.sh" start "$n"
  done
  for _ in $(seq 1 150); do
    ok=1
    for o in $ORDERER_NAMES; do
      [ -z "${restarted[$o]:-}" ] || newer "$o" "${offset[$o]}" "Raft leader changed: 0 -> " || ok=0
    done
    for p in collector regulator; do
      [ -z "${restarted[$p]:-}" ] || newer "$p" "${offset[$p]}" "peers went online" || ok=0
    done
    [ $ok = 1 ] && break
    sleep 0.2
  done
  [ $ok = 1 ] || die "restarted nodes did not become ready within 30 s; see $DIR/logs"
  log "up again ($DIR)"
  exit 0
fi
"$REPO/scripts/fabric/down.sh" >/dev/null

for entry in $PORTS; do
  port_free "${entry%%:*}" "${entry##*:}"
done

"$REPO/scripts/fabric/build.sh"
rm -rf "$DIR"
mkdir -p "$DIR"/{config,logs,pids,run,builder/bin,cc,data}
touch "$DIR/$MARKER"
export PATH=$BIN:$PATH
SAMPLE=$(cd "$REPO/scripts/fabric/tools" && go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)/sampleconfig

log "building the custody chaincode"
(cd "$REPO" && go build -o "$DIR/bin/custody-chaincode" ./cmd/custody-chaincode)

log "generating crypto material"
cat >"$DIR/config/crypto-config.yaml" <<YAML
OrdererOrgs:
  - Name: Orderer
    Domain: $DOMAIN
    EnableNodeOUs: true
    Specs:
      - {Hostname: orderer0, SANS: [localhost, 127.0.0.1]}
      - {Hostname: orderer1, SANS: [localhost, 127.0.0.1]}
      - {Hostname: orderer2, SANS: [localhost, 127.0.0.1]}
PeerOrgs:
  - Name: Collector
    Domain: collector.$DOMAIN
    EnableNodeOUs: true
    Template: {Count: 1, SANS: [localhost, 127.0.0.1]}
    Users: {Count: 1}
  - Name: Regulator
    Domain: regulator.$DOMAIN
    EnableNodeOUs: true
    Template: {Count: 1, SANS: [localhost, 127.0.0.1]}
    Users: {Count: 1}
YAML
cryptogen generate --config="$DIR/config/crypto-config.yaml" --output="$CRYPTO" >/dev/null

# Each organization's chaincode server gets a TLS certificate from the
# organization's own TLS CA; its peer dials it with the peer's TLS
# certificate, which the server checks against the same CA.
for org in collector regulator; do
  tlsca=$CRYPTO/peerOrganizations/$org.$DOMAIN/tlsca
  out=$CRYPTO/peerOrganizations/$org.$DOMAIN/chaincode
  mkdir -p "$out"
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/server.key" 2>>"$DIR/logs/cli.log"
  openssl req -new -key "$out/server.key" -subj "/O=$org.$DOMAIN/CN=chaincode.$org.$DOMAIN" -out "$out/server.csr" 2>>"$DIR/logs/cli.log"
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyAgreement\n' >"$out/ext.cnf"
  openssl x509 -req -in "$out/server.csr" -CA "$tlsca/tlsca.$org.$DOMAIN-cert.pem" -CAkey "$tlsca/priv_sk" -CAcreateserial \
    -days 365 -sha256 -extfile "$out/ext.cnf" -out "$out/server.crt" 2>>"$DIR/logs/cli.log"
  rm -f "$out/server.csr" "$out/ext.cnf"
done
# Private keys are for their owner only: cryptogen leaves them readable by all.
find "$CRYPTO" \( -name '*_sk' -o -name '*.key' \) -exec chmod 600 {} +
find "$CRYPTO" -type d \( -name keystore -o -name tls -o -name tlsca -o -name ca -o -name chaincode \) -exec chmod 700 {} +

org_yaml() { # org_yaml NAME MSPID PORT
  cat <<YAML
  - &$1
    Name: $2
    ID: $2
    MSPDir: $CRYPTO/peerOrganizations/$(tr '[:upper:]' '[:lower:]' <<<"$1").$DOMAIN/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('$2.admin', '$2.peer', '$2.client')"}
      Writers: {Type: Signature, Rule: "OR('$2.admin', '$2.client')"}
      Admins: {Type: Signature, Rule: "OR('$2.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('$2.peer')"}
    AnchorPeers:
      - {Host: 127.0.0.1, Port: $3}
YAML
}

log "writing the channel configuration"
{
  cat <<YAML
Organizations:
  - &OrdererOrg
    Name: OrdererMSP
    ID: OrdererMSP
    MSPDir: $CRYPTO/ordererOrganizations/$DOMAIN/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Writers: {Type: Signature, Rule: "OR('OrdererMSP.member')"}
      Admins: {Type: Signature, Rule: "OR('OrdererMSP.admin')"}
    # The Gateway submits to any of them, trying the next when one is down.
    OrdererEndpoints: ["127.0.0.1:7050", "127.0.0.1:7150", "127.0.0.1:7250"]
YAML
  org_yaml Collector CollectorMSP 7051
  org_yaml Regulator RegulatorMSP 9051
  cat <<YAML
Capabilities:
  Channel: &ChannelCapabilities {V2_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}
Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities: *ApplicationCapabilities
Orderer: &OrdererDefaults
  OrdererType: etcdraft
  # Short batches keep an API write's anchoring lag low (at 1,000 events/s
  # most blocks waited out 200 ms: README, "Anchoring on Fabric through the
  # API"); many records ride in one transaction for throughput.
  BatchTimeout: 50ms
  BatchSize: {MaxMessageCount: 20, AbsoluteMaxBytes: 99 MB, PreferredMaxBytes: 2 MB}
  EtcdRaft:
    Consenters:
YAML
  for o in $ORDERERS; do
    IFS=: read -r name port _ _ <<<"$o"
    tls=$CRYPTO/ordererOrganizations/$DOMAIN/orderers/$name.$DOMAIN/tls
    cat <<YAML
      - {Host: 127.0.0.1, Port: $port, ClientTLSCert: $tls/server.crt, ServerTLSCert: $tls/server.crt}
YAML
  done
  cat <<YAML
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities: *ChannelCapabilities
Profiles:
  Custody:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
      Capabilities: *OrdererCapabilities
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Collector, *Regulator]
      Capabilities: *ApplicationCapabilities
YAML
} >"$DIR/config/configtx.yaml"
FABRIC_CFG_PATH=$DIR/config configtxgen -profile Custody -outputBlock "$DIR/channel.block" -channelID "$CHANNEL" >>"$DIR/logs/cli.log" 2>&1

log "writing node configuration and launchers"
mkdir -p "$DIR/config/orderer"
cp "$SAMPLE/orderer.yaml" "$DIR/config/orderer/"
for org in collector regulator; do
  mkdir -p "$DIR/config/$org"
  # Point the peer at our chaincode-as-a-service builder; everything else in
  # the sample core.yaml is overridden by environment below.
  sed "s#path: /opt/hyperledger/ccaas_builder#path: $DIR/builder#; s#name: ccaas_builder#name: agritrace_ccaas#" \
    "$SAMPLE/core.yaml" >"$DIR/config/$org/core.yaml"
  chmod u+w "$DIR/config/$org/core.yaml"
done
chmod -R u+w "$DIR/config"

# The external builder: detect ccaas packages, copy connection.json through.
cat >"$DIR/builder/bin/detect" <<'SH'
#!/bin/sh
grep -q '"type"[[:space:]]*:[[:space:]]*"ccaas"' "$2/metadata.json"
SH
cat >"$DIR/builder/bin/build" <<'SH'
#!/bin/sh
set -e
cp "$1/connection.json" "$3/"
if [ -d "$1/metadata" ]; then cp -R "$1/metadata" "$3/"; fi
SH
cat >"$DIR/builder/bin/release" <<'SH'
#!/bin/sh
set -e
mkdir -p "$2/chaincode/server"
cp "$1/connection.json" "$2/chaincode/server/"
if [ -d "$1/metadata" ]; then mkdir -p "$2/statedb"; cp -R "$1/metadata/." "$2/statedb/"; fi
SH
chmod +x "$DIR/builder/bin/"*

orderer_launcher() { # orderer_launcher NAME PORT ADMINPORT OPSPORT
  local OT=$CRYPTO/ordererOrganizations/$DOMAIN/orderers/$1.$DOMAIN
  # Raft traffic between the orderers shares the listen port (mutual TLS).
  # Operations serve Prometheus metrics: consensus_etcdraft_is_leader says
  # which orderer leads.
  cat >"$DIR/run/$1.sh" <<SH
#!/bin/sh
export FABRIC_CFG_PATH=$DIR/config/orderer
export ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 ORDERER_GENERAL_LISTENPORT=$2
export ORDERER_GENERAL_LOCALMSPID=OrdererMSP ORDERER_GENERAL_LOCALMSPDIR=$OT/msp
export ORDERER_GENERAL_TLS_ENABLED=true ORDERER_GENERAL_TLS_PRIVATEKEY=$OT/tls/server.key
export ORDERER_GENERAL_TLS_CERTIFICATE=$OT/tls/server.crt ORDERER_GENERAL_TLS_ROOTCAS=[$OT/tls/ca.crt]
export ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE=$OT/tls/server.crt ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY=$OT/tls/server.key
export ORDERER_GENERAL_CLUSTER_ROOTCAS=[$OT/tls/ca.crt]
export ORDERER_GENERAL_BOOTSTRAPMETHOD=none ORDERER_CHANNELPARTICIPATION_ENABLED=true
export ORDERER_ADMIN_LISTENADDRESS=127.0.0.1:$3 ORDERER_ADMIN_TLS_ENABLED=true
export ORDERER_ADMIN_TLS_PRIVATEKEY=$OT/tls/server.key ORDERER_ADMIN_TLS_CERTIFICATE=$OT/tls/server.crt
export ORDERER_ADMIN_TLS_ROOTCAS=[$OT/tls/ca.crt] ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true
export ORDERER_ADMIN_TLS_CLIENTROOTCAS=[$OT/tls/ca.crt]
export ORDERER_FILELEDGER_LOCATION=$DIR/data/$1/ledger
export ORDERER_CONSENSUS_WALDIR=$DIR/data/$1/wal ORDERER_CONSENSUS_SNAPDIR=$DIR/data/$1/snap
export ORDERER_OPERATIONS_LISTENADDRESS=127.0.0.1:$4 ORDERER_METRICS_PROVIDER=prometheus
exec $BIN/orderer
SH
}
for o in $ORDERERS; do
  IFS=: read -r name port admin ops <<<"$o"
  orderer_launcher "$name" "$port" "$admin" "$ops"
done
peer_launcher() { # peer_launcher ORG PORT CCPORT OPSPORT MSPID
  local base=$CRYPTO/peerOrganizations/$1.$DOMAIN/peers/peer0.$1.$DOMAIN
  cat >"$DIR/run/$1.sh" <<SH
#!/bin/sh
export FABRIC_CFG_PATH=$DIR/config/$1
export CORE_PEER_ID=peer0.$1.$DOMAIN CORE_PEER_NETWORKID=agritrace
export CORE_PEER_ADDRESS=127.0.0.1:$2 CORE_PEER_LISTENADDRESS=127.0.0.1:$2
export CORE_PEER_CHAINCODEADDRESS=127.0.0.1:$3 CORE_PEER_CHAINCODELISTENADDRESS=127.0.0.1:$3
export CORE_PEER_GOSSIP_BOOTSTRAP=127.0.0.1:$2 CORE_PEER_GOSSIP_EXTERNALENDPOINT=127.0.0.1:$2
export CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s
export CORE_PEER_LOCALMSPID=$5 CORE_PEER_MSPCONFIGPATH=$base/msp
export CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_CERT_FILE=$base/tls/server.crt
export CORE_PEER_TLS_KEY_FILE=$base/tls/server.key CORE_PEER_TLS_ROOTCERT_FILE=$base/tls/ca.crt
export CORE_PEER_FILESYSTEMPATH=$DIR/data/$1
export CORE_OPERATIONS_LISTENADDRESS=127.0.0.1:$4 CORE_METRICS_PROVIDER=prometheus
export CORE_VM_ENDPOINT=
exec $BIN/peer node start
SH
}
peer_launcher collector 7051 7052 9443 CollectorMSP
peer_launcher regulator 9051 9052 9444 RegulatorMSP
chmod +x "$DIR/run/"*.sh

start_node() { # start_node NAME: run its launcher in the background
  nohup "$DIR/run/$1.sh" >>"$DIR/logs/$1.log" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$1.pid"
}

log "starting the orderers and joining them to the channel"
for name in $ORDERER_NAMES; do start_node "$name"; done
for o in $ORDERERS; do
  IFS=: read -r name _ admin _ <<<"$o"
  wait_port "$admin" "$name"
  retry 20 osnadmin channel join --channelID "$CHANNEL" --config-block "$DIR/channel.block" -o "127.0.0.1:$admin" \
    --ca-file "$ORDERER_CA" --client-cert "$ORDERER_ADMIN/client.crt" --client-key "$ORDERER_ADMIN/client.key"
done

log "starting the peers and joining them to the channel"
start_node collector
start_node regulator
wait_port 7051 collector
wait_port 9051 regulator
(org_env collector 7051 && retry 30 peer channel join -b "$DIR/channel.block")
(org_env regulator 9051 && retry 30 peer channel join -b "$DIR/channel.block")

log "installing the custody chaincode as a service of each organization"
declare -A PACKAGE_ID
for org in collector regulator; do
  package_chaincode "$org" "$(cc_port "$org")" "$CHAINCODE" "$DIR/cc/$org"
  (org_env "$org" "$(peer_port "$org")" && retry 10 peer lifecycle chaincode install "$DIR/cc/$org/$CHAINCODE.tgz")
  PACKAGE_ID[$org]=$(org_env "$org" "$(peer_port "$org")" && peer lifecycle chaincode calculatepackageid "$DIR/cc/$org/$CHAINCODE.tgz")
  chaincode_launcher "$org" "$(cc_port "$org")" "${PACKAGE_ID[$org]}" "$DIR/bin/custody-chaincode" >"$DIR/run/cc-$org.sh"
  chmod +x "$DIR/run/cc-$org.sh"
  cc_port "$org" >"$DIR/run/cc-$org.port"
  start_node "cc-$org"
  wait_port "$(cc_port "$org")" "cc-$org"
done

for org in collector regulator; do
  (org_env "$org" "$(peer_port "$org")" && retry 30 peer lifecycle chaincode approveformyorg "${ORDERER_ARGS[@]}" \
    --channelID "$CHANNEL" --name "$CHAINCODE" --version 1.0 --package-id "${PACKAGE_ID[$org]}" --sequence 1 \
    --signature-policy "$ENDORSEMENT")
done
(org_env collector 7051 && retry 30 peer lifecycle chaincode commit "${ORDERER_ARGS[@]}" --channelID "$CHANNEL" \
  --name "$CHAINCODE" --version 1.0 --sequence 1 --signature-policy "$ENDORSEMENT" "${PEERS[@]}")

# The Gateway finds the other organization's peer through gossip; until the
# two peers have met, endorsement fails with "no combination of peers". The
# peers log the meeting, and nothing else reports it.
log "waiting for the peers to discover each other"
met() { grep -q "peers went online:.*127.0.0.1:$2" "$DIR/logs/$1.log"; }
for _ in $(seq 1 150); do
  met collector 9051 && met regulator 7051 && break
  sleep 0.2
done
met collector 9051 && met regulator 7051 || die "the peers did not discover each other within 30 s; see $DIR/logs"

client_env() { # client_env ORG PORT MSPID SUFFIX
  local base=$CRYPTO/peerOrganizations/$1.$DOMAIN
  cat <<ENV
FABRIC_PEER_ENDPOINT$4=127.0.0.1:$2
FABRIC_PEER_HOST$4=peer0.$1.$DOMAIN
FABRIC_TLS_CA$4=$base/peers/peer0.$1.$DOMAIN/tls/ca.crt
FABRIC_MSP_ID$4=$3
FABRIC_MSP_DIR$4=$base/users/User1@$1.$DOMAIN/msp
ENV
}
{
  echo "# Written by scripts/fabric/up.sh: how to reach the local Fabric network."
  echo "FABRIC_CHANNEL=$CHANNEL"
  echo "FABRIC_CHAINCODE=$CHAINCODE"
  echo "FABRIC_DIR=$DIR"
  client_env collector 7051 CollectorMSP ""
  echo "# The regulator organization: its own peer and identity."
  client_env regulator 9051 RegulatorMSP _2
  echo "# This node signs with both organizations' identities, each through its"
  echo "# own peer; regulators' and labs' records are written as RegulatorMSP."
  echo "FABRIC_IDENTITIES=_2"
  echo "# The endorsement policy needs both organizations: ask both peers at once."
  echo "FABRIC_ENDORSERS=CollectorMSP RegulatorMSP"
  echo "FABRIC_ORG_MSPS=role:regulator=RegulatorMSP role:lab=RegulatorMSP *=CollectorMSP"
} >"$DIR/client.env"
log "up: channel $CHANNEL, chaincode $CHAINCODE (${PACKAGE_ID[collector]}, ${PACKAGE_ID[regulator]}); client settings in $DIR/client.env"
