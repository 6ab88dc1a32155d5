// Package fabric is the ledger on a Hyperledger Fabric channel: a client of
// the custody chaincode (chain/contract) through a peer's Gateway service. It
// batches records into transactions in order, waits for each to commit, and
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
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
)

// Ledger implements trace.Ledger on Fabric.
type Ledger struct {
	cfg      Config
	conn     *grpc.ClientConn
	gw       *client.Gateway
	contract *client.Contract
}

var _ trace.Ledger = (*Ledger)(nil)

// Open connects to the peer in cfg.
func Open(cfg Config) (*Ledger, error) {
	cfg = cfg.withDefaults()
	caPEM, err := os.ReadFile(cfg.TLSCA)
	if err != nil {
		return nil, fmt.Errorf("fabric: TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("fabric: TLS CA %s holds no PEM certificate", cfg.TLSCA)
	}
	conn, err := grpc.NewClient(cfg.PeerEndpoint, grpc.WithTransportCredentials(credentials.NewClientTLSFromCert(pool, cfg.PeerHost)))
	if err != nil {
		return nil, fmt.Errorf("fabric: dial %s: %w", cfg.PeerEndpoint, err)
	}
	id, sign, err := loadIdentity(cfg.MSPID, cfg.MSPDir)
	if err != nil {
		conn.Close()
		return nil, err
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn),
		client.WithEvaluateTimeout(cfg.EvaluateTimeout), client.WithEndorseTimeout(cfg.EndorseTimeout),
		client.WithSubmitTimeout(cfg.SubmitTimeout), client.WithCommitStatusTimeout(cfg.CommitTimeout))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("fabric: gateway: %w", err)
	}
	return &Ledger{cfg: cfg, conn: conn, gw: gw, contract: gw.GetNetwork(cfg.Channel).GetContract(cfg.Chaincode)}, nil
}

// loadIdentity reads the client certificate and private key of an MSP directory.
func loadIdentity(mspID, dir string) (*identity.X509Identity, identity.Sign, error) {
	certPEM, err := firstFile(filepath.Join(dir, "signcerts"))
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: client certificate: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: client certificate: %w", err)
	}
	id, err := identity.NewX509Identity(mspID, cert)
	if err != nil {
		return nil, nil, fmt.Errorf("fabric: identity: %w", err)
	}
	keyPEM, err := firstFile(filepath.Join(dir, "keystore"))
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
	return nil, fmt.Errorf("%s: %w", dir, errNoKey)
}

// Close closes the gateway and its connection.
func (l *Ledger) Close() error {
	l.gw.Close()
	return l.conn.Close()
}

// Info implements trace.Ledger.
func (l *Ledger) Info() trace.LedgerInfo {
	return trace.LedgerInfo{Kind: "fabric", Channel: l.cfg.Channel, Chaincode: l.cfg.Chaincode}
}

// Anchor implements trace.Ledger. Transactions go one after another, each
// waiting for its commit, so a chain's records are never in two transactions
// that could commit out of order; a chain's records stay in one transaction
// where they fit.
func (l *Ledger) Anchor(ctx context.Context, recs []custody.Record) ([]trace.Receipt, error) {
	out := make([]trace.Receipt, 0, len(recs))
	for _, batch := range batches(recs, l.cfg.BatchSize) {
		receipts, err := l.submit(ctx, batch)
		if err != nil {
			return nil, err
		}
		out = append(out, receipts...)
	}
	return out, nil
}

// batches cuts recs into transactions of at most n records, keeping the
// records of one chain together when they fit and always in their order.
func batches(recs []custody.Record, n int) [][]custody.Record {
	var order []string
	groups := map[string][]custody.Record{}
	for _, r := range recs {
		k := r.Kind + "/" + r.Key
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out [][]custody.Record
	var cur []custody.Record
	for _, k := range order {
		g := groups[k]
		if len(cur) > 0 && len(cur)+len(g) > n {
			out, cur = append(out, cur), nil
		}
		for len(g) > n {
			out, g = append(out, g[:n]), g[n:]
		}
		cur = append(cur, g...)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// submit records one batch, retrying transient failures. A retry after a
// transaction that did commit is harmless: the chaincode skips records it
// already holds.
func (l *Ledger) submit(ctx context.Context, batch []custody.Record) ([]trace.Receipt, error) {
	arg, err := json.Marshal(batch)
	if err != nil {
		return nil, err
	}
	var last error
	backoff := 250 * time.Millisecond
	deadline := time.Now().Add(l.cfg.RetryFor)
	for attempt := 0; attempt == 0 || time.Now().Before(deadline); attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, errors.Join(last, ctx.Err())
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 4*time.Second)
		}
		receipts, err := l.submitOnce(ctx, batch, string(arg))
		if err == nil {
			return receipts, nil
		}
		// A gap right after a commit is usually the other organization's peer
		// not having the previous block yet, so it is retried too, but only
		// within this bounded loop.
		if refused(err) && !errors.Is(err, custody.ErrGap) {
			return nil, err
		}
		last = err
	}
	return nil, last
}

func (l *Ledger) submitOnce(ctx context.Context, batch []custody.Record, arg string) ([]trace.Receipt, error) {
	proposal, err := l.contract.NewProposal("Record", client.WithArguments(arg))
	if err != nil {
		return nil, fmt.Errorf("fabric: proposal: %w", err)
	}
	tx, err := proposal.EndorseWithContext(ctx)
	if err != nil {
		return nil, classify(err)
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return nil, classify(err)
	}
	status, err := commit.StatusWithContext(ctx)
	if err != nil {
		return nil, classify(err)
	}
	if !status.Successful {
		return nil, fmt.Errorf("fabric: transaction %s did not commit: %s", status.TransactionID, status.Code)
	}
	var fresh []custody.Record
	if err := json.Unmarshal(tx.Result(), &fresh); err != nil {
		return nil, fmt.Errorf("fabric: chaincode answer: %w", err)
	}
	isFresh := map[custody.Record]bool{}
	for _, r := range fresh {
		isFresh[r] = true
	}
	out := make([]trace.Receipt, len(batch))
	for i, r := range batch {
		if isFresh[r] {
			out[i] = trace.Receipt{TxID: status.TransactionID, Block: status.BlockNumber}
			continue
		}
		// Already on the ledger from an earlier attempt: answer with the
		// transaction that wrote it.
		e, err := l.get(ctx, r)
		if err != nil {
			return nil, err
		}
		out[i] = trace.Receipt{TxID: e.TxID}
	}
	return out, nil
}

func (l *Ledger) get(ctx context.Context, r custody.Record) (custody.Entry, error) {
	b, err := l.contract.EvaluateWithContext(ctx, "Get", client.WithArguments(r.Kind, r.Key, fmt.Sprint(r.Seq)))
	if err != nil {
		return custody.Entry{}, classify(err)
	}
	var e custody.Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return custody.Entry{}, fmt.Errorf("fabric: record %s/%s/%d: %w", r.Kind, r.Key, r.Seq, err)
	}
	return e, nil
}

// Chain implements trace.Ledger.
func (l *Ledger) Chain(ctx context.Context, kind, key string) ([]custody.Entry, error) {
	b, err := l.contract.EvaluateWithContext(ctx, "Chain", client.WithArguments(kind, key))
	if err != nil {
		return nil, classify(err)
	}
	var out []custody.Entry
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("fabric: chain %s/%s: %w", kind, key, err)
	}
	return out, nil
}

// sentinels are the chaincode's refusals, recognised by their stable text in
// the endorsement error.
var sentinels = []error{custody.ErrGap, custody.ErrPrevHash, custody.ErrOverwrite, custody.ErrInvalid}

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

func refused(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
