package scan

import (
	"context"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// Certified is a 承诺达标合格证 as the public sees it (trace.Certificate.Public)
// with what the ledger says of the event that records it.
type Certified struct {
	trace.Certificate
	// BasisZH and BasisEN are the basis in words.
	BasisZH string `json:"basisZh"`
	BasisEN string `json:"basisEn"`
	// QuantityText is the quantity in kg, L or pieces.
	QuantityText string `json:"quantityText"`
	Check        string `json:"check"`
	TxID         string `json:"txId,omitempty"`
	Block        uint64 `json:"block,omitempty"`
}

// Certificates is a lot's certificates with the verdict on its whole chain:
// a certificate is only as good as the chain that leads to it.
type Certificates struct {
	Lot          string      `json:"lot"`
	Verdict      string      `json:"verdict"`
	Certificates []Certified `json:"certificates"`
}

// Certificates returns the certificates of a lot as anyone may see them.
// Returns ENOTFOUND for an unknown lot.
func (j Judge) Certificates(ctx context.Context, lotID string) (Certificates, error) {
	report, err := j.Verifier.Lot(ctx, lotID)
	if err != nil {
		return Certificates{}, err
	}
	events, err := j.Store.Events(ctx, lotID)
	if err != nil {
		return Certificates{}, fmt.Errorf("certificates of %s: %w", lotID, err)
	}
	return Certificates{Lot: lotID, Verdict: report.Verdict, Certificates: certified(events, report.Events)}, nil
}

// certified lists the certificates among a lot's events, each with the
// ledger's check of its event.
func certified(events []trace.Event, checks []verify.Check) []Certified {
	certs := trace.CertificatesIn(events)
	bySeq := map[int64]verify.Check{}
	for _, ch := range checks {
		bySeq[ch.Seq] = ch
	}
	out := make([]Certified, 0, len(certs))
	for _, c := range certs {
		ch := bySeq[c.Seq]
		out = append(out, Certified{
			Certificate: c.Public(), BasisZH: trace.BasisName(c.Basis, "zh"), BasisEN: trace.BasisName(c.Basis, "en"),
			QuantityText: quantity(c.Quantity, c.Unit), Check: ch.Verdict, TxID: ch.TxID, Block: ch.Block,
		})
	}
	return out
}
