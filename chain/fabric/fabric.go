// Package fabric is the ledger on a Hyperledger Fabric channel: a client of
// the custody chaincode (chain/contract) through a peer's Gateway service. It
// batches records into transactions, keeps each chain's transactions in
// order while unrelated ones run side by side, waits for their commits, and
// retries what is transient; the chaincode's refusals come back wrapping the
// custody sentinels so callers can tell them from outages.
package fabric

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

// Ledger implements trace.Ledger on Fabric. It holds one identity per
// organization it writes for, each talking to its own organization's peer:
// a record is submitted with the identity its By names, so the ledger shows
// which organization wrote it and the chaincode can hold it to that
// organization's rights.
type Ledger struct {
	def *member
	// orgs are the members by MSP id, the default among them.
	orgs map[string]*member
}

// member is one organization's identity and its Gateway connection.
type member struct {
	cfg      Config
	conn     *grpc.ClientConn
	gw       *client.Gateway
	id       *identity.X509Identity
	contract *client.Contract
}

var _ trace.Ledger = (*Ledger)(nil)

// Open connects as the organization in cfg, through its peer, and as each
// organization in more through theirs; cfg's organization reads chains and
// writes records that name no writer. To read as another organization,
// open a second Ledger with that organization's settings: LoadEnv(path,
// "_2", ...) for the regulator of the local network. Connections are made
// lazily, on the first call.
func Open(cfg Config, more ...Config) (*Ledger, error) {
	l := &Ledger{orgs: map[string]*member{}}
	for _, c := range append([]Config{cfg}, more...) {
		if _, dup := l.orgs[c.MSPID]; dup {
			l.Close()
			return nil, fmt.Errorf("fabric: two identities for %s: give one per organization", c.MSPID)
		}
		m, err := connect(c)
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("fabric: %s: %w", c.MSPID, err)
		}
		if l.def == nil {
			l.def = m
		}
		l.orgs[c.MSPID] = m
	}
	return l, nil
}

func connect(cfg Config) (*member, error) {
	cfg = cfg.withDefaults()
	caPEM, err := os.ReadFile(cfg.TLSCA)
	if err != nil {
		return nil, fmt.Errorf("TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("TLS CA %s holds no PEM certificate", cfg.TLSCA)
	}
	conn, err := grpc.NewClient(cfg.PeerEndpoint, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, cfg.PeerHost)))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", cfg.PeerEndpoint, err)
	}
	id, sign, err := loadIdentity(cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn),
		client.WithEvaluateTimeout(cfg.EvaluateTimeout), client.WithEndorseTimeout(cfg.EndorseTimeout),
		client.WithSubmitTimeout(cfg.SubmitTimeout), client.WithCommitStatusTimeout(cfg.CommitTimeout))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("gateway: %w", err)
	}
	return &member{cfg: cfg, conn: conn, gw: gw, id: id, contract: gw.GetNetwork(cfg.Channel).GetContract(cfg.Chaincode)}, nil
}

// Signs reports whether the ledger holds the identity of by, the writer a
// record names ("" is the ledger's own organization). The anchor worker
// leaves records it cannot sign to an instance that can.
func (l *Ledger) Signs(by string) bool {
	_, ok := l.orgs[by]
	return by == "" || ok
}

// signer is the member that submits r.
func (l *Ledger) signer(r custody.Record) (*member, error) {
	if r.By == "" {
		return l.def, nil
	}
	if m, ok := l.orgs[r.By]; ok {
		return m, nil
	}
	return nil, fmt.Errorf("fabric: %s/%s seq %d is written by %s, and this node holds no identity of it (FABRIC_IDENTITIES)", r.Kind, r.Key, r.Seq, r.By)
}

// loadIdentity reads the client certificate and private key, from their own
// files or else from an MSP directory.
func loadIdentity(cfg Config) (*identity.X509Identity, identity.Sign, error) {
	read := func(path, mspSub string) ([]byte, error) {
		if cfg.CertPath != "" && cfg.KeyPath != "" {
			return os.ReadFile(path)
		}
		return firstFile(filepath.Join(cfg.MSPDir, mspSub))
	}
	certPEM, err := read(cfg.CertPath, "signcerts")
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: client certificate: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: client certificate: %w", err)
	}
	id, err := identity.NewX509Identity(cfg.MSPID, cert)
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: identity: %w", err)
	}
	keyPEM, err := read(cfg.KeyPath, "keystore")
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: client key: %w", err)
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: client key: %w", err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: signer: %w", err)
	}
	return id, sign, nil
}

func firstFile(dir string) ([]byte, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() {
			return os.ReadFile(filepath.Join(dir, e.Name()))
		}
	}
	return nil, fmt.Errorf("%s: no file", dir)
}

// Close closes the gateways and their connections.
func (l *Ledger) Close() error {
	var errs []error
	for _, m := range l.orgs {
		m.gw.Close()
		errs = append(errs, m.conn.Close())
	}
	return errors.Join(errs...)
}

// Info implements trace.Ledger.
func (l *Ledger) Info() trace.LedgerInfo {
	return trace.LedgerInfo{Kind: "fabric", Channel: l.def.cfg.Channel, Chaincode: l.def.cfg.Chaincode}
}

// Chain implements trace.Ledger, reading from the ledger's own
// organization's peer.
func (l *Ledger) Chain(ctx context.Context, kind, key string) ([]custody.Entry, error) {
	b, err := l.def.contract.EvaluateWithContext(ctx, "Chain", client.WithArguments(kind, key))
	if err != nil {
		return nil, classify(err)
	}
	var out []custody.Entry
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("fabric: chain %s/%s: %w", kind, key, err)
	}
	return out, nil
}

// Holder returns how the ledger holds one chain: its owner, its custodian,
// and where it is being shipped.
func (l *Ledger) Holder(ctx context.Context, kind, key string) (custody.Holder, error) {
	var h custody.Holder
	b, err := l.def.contract.EvaluateWithContext(ctx, "Holder", client.WithArguments(kind, key))
	if err != nil {
		return h, classify(err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("fabric: holder of %s/%s: %w", kind, key, err)
	}
	return h, nil
}

// sentinels are the chaincode's refusals, recognised by their stable text in
// the endorsement error.
var sentinels = []error{custody.ErrGap, custody.ErrPrevHash, custody.ErrOverwrite, custody.ErrInvalid, custody.ErrForbidden}

// classify wraps a Gateway error with the custody sentinel it reports, if
// any. The chaincode's message travels in the error details of each peer.
func classify(err error) error {
	text := err.Error()
	for _, d := range status.Convert(err).Details() {
		if detail, ok := d.(*gateway.ErrorDetail); ok {
			text += " " + detail.GetMessage()
		}
	}
	for _, s := range sentinels {
		if strings.Contains(text, s.Error()) {
			return fmt.Errorf("fabric: %w: %s", s, text)
		}
	}
	return fmt.Errorf("fabric: %w", err)
}

// refused reports whether err is a chaincode refusal, which no retry cures.
func refused(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
