package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/chain/fabric"
)

// auditKeyEnv holds the regulator's API key when -key is not given, so that
// the key stays out of the process list.
const auditKeyEnv = "AGRITRACE_API_KEY"

// errAuditMismatch is what audit-ledger returns when a lot differs from the
// regulator's peer; main exits 1 on it, and 2 on any other audit error.
var errAuditMismatch = errors.New("the service's answers differ from the regulator's ledger")

// exitCoder is an error that chooses the process's exit status.
type exitCoder interface{ ExitCode() int }

// auditError is an audit that could not be carried out (bad usage, a
// refused key, an unknown lot, an unreachable service or peer): exit 2,
// distinct from a mismatch found.
type auditError struct{ err error }

func (e auditError) Error() string { return e.err.Error() }
func (e auditError) Unwrap() error { return e.err }
func (e auditError) ExitCode() int { return 2 }

// lotAudit is the report on one lot.
type lotAudit struct {
	Lot      string    `json:"lot"`
	Match    bool      `json:"match"`
	Events   int       `json:"events"`
	Records  int       `json:"records"`
	Findings []finding `json:"findings"`
}

// auditReport is what -json prints.
type auditReport struct {
	Service string     `json:"service"`
	Peer    string     `json:"peer"`
	MSPID   string     `json:"mspId"`
	Channel string     `json:"channel"`
	Match   bool       `json:"match"`
	Lots    []lotAudit `json:"lots"`
}

// auditLedger recomputes every hash of the named lots from what the public
// API serves and compares them with the chain the regulator's own Fabric peer
// holds. It reads nothing of the operator's but the API's answers, and
// trusts none of them: the hashes are recomputed here and the reference is
// the peer.
func auditLedger(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agritrace audit-ledger", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: agritrace audit-ledger -url BASEURL [-key KEY] -fabric-env FILE [-fabric-org SUFFIX] [-json] LOT...\n\n"+
			"Recomputes every event hash of each lot from the service's API and compares it, seq by seq,\n"+
			"with the regulator's own Fabric peer. Exit 0: every lot matches; 1: a difference was found;\n"+
			"2: the audit could not be carried out.\n\n")
		fs.PrintDefaults()
	}
	base := fs.String("url", "", "base URL of the AgriTrace service, such as https://trace.example.cn")
	key := fs.String("key", getenv(auditKeyEnv), "the regulator's API key ($"+auditKeyEnv+")")
	fabricEnv := fs.String("fabric-env", getenv("AGRITRACE_FABRIC_ENV"), "file with the Fabric client settings, as scripts/fabric/up.sh writes them ($AGRITRACE_FABRIC_ENV); FABRIC_* variables override it")
	org := fs.String("fabric-org", "_2", "suffix of the regulator's FABRIC_* settings in that file (up.sh writes the regulator's as _2; \"\" for unsuffixed)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return auditError{err}
	}
	var missing []string
	if *base == "" {
		missing = append(missing, "-url")
	}
	if *key == "" {
		missing = append(missing, "-key (or $"+auditKeyEnv+")")
	}
	if fs.NArg() == 0 {
		missing = append(missing, "at least one lot id")
	}
	if len(missing) > 0 {
		fs.Usage()
		return auditError{fmt.Errorf("audit-ledger: missing %s", strings.Join(missing, ", "))}
	}
	fc, err := fabric.LoadEnv(*fabricEnv, *org, getenv)
	if err != nil {
		return auditError{fmt.Errorf("audit-ledger: the regulator's peer: %w", err)}
	}
	peer, err := fabric.Open(fc)
	if err != nil {
		return auditError{fmt.Errorf("audit-ledger: the regulator's peer: %w", err)}
	}
	defer peer.Close()
	api := &auditAPI{base: strings.TrimRight(*base, "/"), key: *key, client: &http.Client{Timeout: time.Minute, CheckRedirect: sameOrigin}}
	rep := auditReport{Service: api.base, Peer: fc.PeerEndpoint, MSPID: fc.MSPID, Channel: fc.Channel, Match: true}
	for _, lot := range fs.Args() {
		la, err := auditLot(ctx, api, peer, fc, lot)
		if err != nil {
			return auditError{fmt.Errorf("audit-ledger: lot %s: %w", lot, err)}
		}
		rep.Match = rep.Match && la.Match
		rep.Lots = append(rep.Lots, la)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printAudit(stdout, rep)
	}
	if !rep.Match {
		return errAuditMismatch
	}
	return nil
}

// auditLot compares one lot. A lot the API does not know is a finding when
// the peer holds records for it (the operator's copy is gone), and an
// error when neither knows it (most likely a mistyped id).
func auditLot(ctx context.Context, api *auditAPI, peer *fabric.Ledger, fc fabric.Config, lot string) (lotAudit, error) {
	served, apiErr := api.events(ctx, lot)
	if apiErr != nil && !errors.Is(apiErr, errNoSuchLot) {
		return lotAudit{}, apiErr
	}
	records, err := peer.Chain(ctx, custody.KindEvent, lot)
	if err != nil {
		return lotAudit{}, fmt.Errorf("the regulator's peer %s (%s): %w", fc.PeerEndpoint, fc.MSPID, err)
	}
	if apiErr != nil && len(records) == 0 {
		return lotAudit{}, fmt.Errorf("%w, and the regulator's peer holds no record of it either: check the lot id", apiErr)
	}
	f := compareChain(served, records)
	if f == nil {
		f = []finding{} // "findings": [] rather than null for machines
	}
	return lotAudit{Lot: lot, Match: len(f) == 0, Events: len(served), Records: len(records), Findings: f}, nil
}

// printAudit writes the report for people: a line per lot, then a line per
// finding under it, then the verdict.
func printAudit(w io.Writer, rep auditReport) {
	fmt.Fprintf(w, "auditing %s against %s's peer %s (channel %s)\n", rep.Service, rep.MSPID, rep.Peer, rep.Channel)
	bad := 0
	for _, l := range rep.Lots {
		if l.Match {
			fmt.Fprintf(w, "%s: match: %s, %s, every hash recomputed and linked\n", l.Lot, count(l.Events, "event"), count(l.Records, "ledger record"))
			continue
		}
		bad++
		fmt.Fprintf(w, "%s: MISMATCH: %s served, %s\n", l.Lot, count(l.Events, "event"), count(l.Records, "ledger record"))
		for _, f := range l.Findings {
			fmt.Fprintf(w, "  %s seq %d: %s\n", l.Lot, f.Seq, f.Message)
		}
	}
	if bad == 0 {
		fmt.Fprintf(w, "all %d lots match the regulator's ledger\n", len(rep.Lots))
		return
	}
	fmt.Fprintf(w, "%d of %d lots differ from the regulator's ledger\n", bad, len(rep.Lots))
}

// count writes n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// errNoSuchLot is the API's 404 for a lot.
var errNoSuchLot = errors.New("the service knows no such lot (404)")

// auditAPI is the little of the public API the audit reads.
type auditAPI struct {
	base, key string
	client    *http.Client
}

// events fetches a lot's events and recomputes each one's hash from the
// JSON exactly as served.
func (a *auditAPI) events(ctx context.Context, lot string) ([]servedEvent, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+"/api/v1/lots/"+url.PathEscape(lot)+"/events", nil)
	if err != nil {
		return nil, fmt.Errorf("the service: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the service: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("the service: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, errNoSuchLot
	case http.StatusUnauthorized:
		return nil, fmt.Errorf("the service refused the API key (401: %s): pass a valid regulator's key with -key or $%s", apiMessage(body), auditKeyEnv)
	case http.StatusForbidden:
		return nil, fmt.Errorf("the key may not read this lot (403: %s): use the key of a regulator whose jurisdiction covers the lot", apiMessage(body))
	default:
		return nil, fmt.Errorf("the service answered %s: %s", resp.Status, apiMessage(body))
	}
	var page struct{ Events []json.RawMessage }
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("the service's events: %w", err)
	}
	out := make([]servedEvent, 0, len(page.Events))
	for i, raw := range page.Events {
		ev, err := recompute(raw)
		if err != nil {
			return nil, fmt.Errorf("the service's event %d: %w", i, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// apiMessage is the message of the API's error body, or the body itself.
func apiMessage(body []byte) string {
	var e struct{ Error struct{ Message string } }
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return e.Error.Message
	}
	s := strings.TrimSpace(string(body))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
