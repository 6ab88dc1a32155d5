// Package scan judges each scan of a label: is the label one we issued, is
// its lot recalled, and does the pattern of scans look like a cloned QR code
// or a refilled bottle. Rural food-safety supervision is thin, so the service
// does this detecting itself and raises what it finds to regulators.
package scan

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/trace"
)

// Verdicts, from best to worst as the scanner sees them.
const (
	Genuine    = "genuine"
	Pending    = "pending"
	Suspicious = "suspicious"
	Recalled   = "recalled"
	NotGenuine = "not_genuine"
)

// Clients.
const (
	Consumer  = "consumer"
	Inspector = "inspector"
)

// Reason codes, stable for clients and tests.
const (
	UnknownSerial    = "unknown_serial"
	CopiedLabel      = "copied_label"
	NoSignature      = "no_signature"
	BadSignature     = "bad_signature"
	LotRecalled      = "lot_recalled"
	ManyScans        = "many_scans"
	FarFromMarket    = "far_from_market"
	ClonedLabel      = "cloned_label"
	SoldElsewhere    = "sold_elsewhere"
	ShelvedAfterSale = "shelved_after_sale"
	RecordsAltered   = "records_altered"
)

// Reason is one finding, in plain words in Chinese and English.
type Reason struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// Result is the judgement on one scan.
type Result struct {
	Verdict string      `json:"verdict"`
	Reasons []Reason    `json:"reasons,omitempty"`
	Unit    *trace.Unit `json:"-"`
}

// AlertVerdicts are the verdicts regulators should look at.
var AlertVerdicts = []string{Suspicious, Recalled, NotGenuine}

// Alert reports whether regulators should look at this scan.
func (r Result) Alert() bool { return slices.Contains(AlertVerdicts, r.Verdict) }

func (r *Result) add(verdict string, code, zh, en string) {
	if rank[verdict] > rank[r.Verdict] {
		r.Verdict = verdict
	}
	r.Reasons = append(r.Reasons, Reason{Code: code, ZH: zh, EN: en})
}

var rank = map[string]int{Genuine: 0, Pending: 1, Suspicious: 2, Recalled: 3, NotGenuine: 4}

// Signer checks label signatures.
type Signer interface {
	Verify(keyID, gtin, lot, serial, sig string) bool
}

// Rules holds the thresholds; the zero value is not useful, use Defaults.
type Rules struct {
	// MaxConsumerScans is how many consumer scans of one unit are normal: a
	// buyer checks a bottle once or twice, a cloned code is scanned everywhere.
	MaxConsumerScans int
	// Window bounds how far back scan history is read.
	Window time.Duration
}

// Defaults are the thresholds the service starts with.
var Defaults = Rules{MaxConsumerScans: 5, Window: 365 * 24 * time.Hour}

// Judge reads what it needs from the store.
type Judge struct {
	Store  trace.Store
	Labels Signer
	Rules  Rules
}

// Label is one scan of a unit label as it arrives.
type Label struct {
	GTIN, Lot, Serial, KeyID, Signature string
	Client                              string
	Region                              string
	Time                                time.Time
}

// Unit judges a unit scan before it is recorded.
func (j Judge) Unit(ctx context.Context, l Label) (Result, error) {
	r := Result{Verdict: Genuine}
	u, err := j.Store.Unit(ctx, l.Serial)
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		r.add(NotGenuine, UnknownSerial, "未知序列号：本系统从未签发此标签", "unknown serial: no such label was ever issued")
		return r, nil
	case err != nil:
		return r, err
	case u.GTIN != l.GTIN || u.LotNumber != l.Lot:
		r.add(NotGenuine, CopiedLabel, "序列号属于其他产品或批次：标签被复制", "the serial belongs to another product or lot: the label was copied")
		return r, nil
	case l.Signature == "":
		r.add(NotGenuine, NoSignature, "标签缺少防伪签名", "the label carries no signature")
		return r, nil
	case !j.Labels.Verify(l.KeyID, l.GTIN, l.Lot, l.Serial, l.Signature):
		r.add(NotGenuine, BadSignature, "防伪签名无效：标签被伪造或篡改", "the label signature is not valid: the label was forged or altered")
		return r, nil
	}
	r.Unit = &u
	lot, err := j.Store.Lot(ctx, u.Lot)
	if err != nil {
		return r, fmt.Errorf("judge scan of %s: %w", u.Serial, err)
	}
	if lot.Status == trace.LotRecalled {
		r.add(Recalled, LotRecalled, "该批次已被召回，请勿食用", "this lot has been recalled: do not consume")
	}
	history, err := j.Store.Scans(ctx, trace.ScanFilter{Serial: u.Serial, Limit: 1000})
	if err != nil {
		return r, fmt.Errorf("judge scan of %s: %w", u.Serial, err)
	}
	market, err := j.market(ctx, lot)
	if err != nil {
		return r, err
	}
	j.pattern(ctx, &r, l, u, market, history)
	return r, nil
}

// name is something named in both languages of the reasons.
type name struct{ zh, en string }

// place names a division code for the reasons.
func place(code string) name { return name{region.Name(code, "zh"), region.Name(code, "en")} }

// orgName names an organization for the reasons, by its id when the store
// cannot say: a reason is better with an id than not given at all.
func (j Judge) orgName(ctx context.Context, id string) name {
	o, err := j.Store.Org(ctx, id)
	if err != nil {
		return name{id, id}
	}
	if o.NameEN == "" {
		return name{o.Name, o.Name}
	}
	return name{o.Name, o.NameEN}
}

// market is the region where a lot was last received: the shop or
// distribution center that sells it.
func (j Judge) market(ctx context.Context, lot trace.Lot) (string, error) {
	events, err := j.Store.Events(ctx, lot.ID)
	if err != nil {
		return "", fmt.Errorf("market of %s: %w", lot.ID, err)
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == trace.EventReceive || events[i].Type == trace.EventSell {
			return events[i].Place.Region, nil
		}
	}
	return "", nil
}

// prefecture is the 4-digit prefix of a division code: two counties in the
// same prefecture are neighbours, two in different ones are far apart for a
// bottle of oil bought in a township shop.
func prefecture(region string) string {
	if len(region) < 4 {
		return ""
	}
	return region[:4]
}

func far(a, b string) bool {
	pa, pb := prefecture(a), prefecture(b)
	return pa != "" && pb != "" && pa != pb
}

func (j Judge) pattern(ctx context.Context, r *Result, l Label, u trace.Unit, market string, history []trace.Scan) {
	since := l.Time.Add(-j.Rules.Window)
	consumer := 0
	var elsewhere string
	for _, s := range history {
		if s.Time.Before(since) || s.Client != Consumer {
			continue
		}
		consumer++
		if far(s.Region, l.Region) && elsewhere == "" {
			elsewhere = s.Region
		}
	}
	if l.Client == Consumer {
		consumer++
	}
	if consumer > j.Rules.MaxConsumerScans {
		r.add(Suspicious, ManyScans,
			fmt.Sprintf("此标签已被消费者扫描 %d 次，正品通常只扫一两次，可能是复制的二维码", consumer),
			fmt.Sprintf("consumers have scanned this label %d times; a genuine bottle is scanned once or twice, so the code may have been copied", consumer))
	}
	if elsewhere != "" {
		r.add(Suspicious, ClonedLabel,
			fmt.Sprintf("同一标签也在相距很远的%s被扫描：同一瓶油不可能同时出现在两地，标签可能被克隆", place(elsewhere).zh),
			fmt.Sprintf("the same label was also scanned far away, in %s: one bottle cannot be in both places, so the label has probably been cloned", place(elsewhere).en))
	}
	if l.Region != "" && market != "" && far(market, l.Region) && u.Status != trace.UnitSold {
		r.add(Suspicious, FarFromMarket,
			fmt.Sprintf("此批次发往%s销售，却在%s被扫描", place(market).zh, place(l.Region).zh),
			fmt.Sprintf("this lot was shipped for sale in %s but is scanned in %s", place(market).en, place(l.Region).en))
	}
	if u.Status == trace.UnitSold {
		sold := u.SoldAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
		switch {
		case l.Client == Inspector:
			seller := j.orgName(ctx, u.SoldBy)
			r.add(Suspicious, ShelvedAfterSale,
				fmt.Sprintf("此瓶已于 %s 由%s售出；售出后又出现在货架上的瓶子是回收灌装的", sold, seller.zh),
				fmt.Sprintf("this bottle was sold on %s by %s; a sold bottle back on a shelf has been refilled", sold, seller.en))
		case l.Region != "" && far(market, l.Region):
			r.add(Suspicious, SoldElsewhere,
				fmt.Sprintf("此瓶已于 %s 在%s售出，现在却在远处的%s被扫描，可能是回收灌装的瓶子", sold, place(market).zh, place(l.Region).zh),
				fmt.Sprintf("this bottle was sold on %s in %s and is now scanned far away, in %s: it may be a refilled bottle", sold, place(market).en, place(l.Region).en))
		}
	}
}

// LedgerAltered adds the finding that the records behind a product disagree
// with the ledger.
func (r *Result) LedgerAltered() {
	r.add(Suspicious, RecordsAltered, "此产品的记录与区块链账本不一致：记录被篡改", "the records of this product do not match the ledger: they were altered")
}

// LotRecalledFinding marks a lot-level scan of a recalled lot.
func (r *Result) LotRecalledFinding() {
	r.add(Recalled, LotRecalled, "该批次已被召回，请勿食用", "this lot has been recalled: do not consume")
}

// UnknownLot marks a lot-level scan of a lot never registered.
func (r *Result) UnknownLot() {
	r.add(NotGenuine, UnknownSerial, "未知批次：从未登记", "unknown lot: it was never registered")
}
