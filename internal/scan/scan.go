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
	"github.com/agritrace/agritrace/internal/verify"
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
	KeyRevoked       = "key_revoked"
	KeyRetired       = "key_retired"
	// ConfirmedCounterfeit is a regulator's closed finding on the serial or,
	// when the finding covers it, on the whole lot.
	ConfirmedCounterfeit = "confirmed_counterfeit"
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
	// Place is where the scan was placed and on what evidence.
	Place Place `json:"-"`
	// Scanners is how many distinct consumer scanners have scanned the label,
	// this one included.
	Scanners int `json:"-"`
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
	// KeyDates says when a key was retired (it signs no new labels) and
	// revoked (no label it signed is to be trusted); zero for never.
	KeyDates(keyID string) (retired, revoked time.Time)
}

// IPLocator maps a client address to a division code (internal/iploc).
type IPLocator interface {
	Region(addr string) string
}

// Rules holds the thresholds; the zero value is not useful, use Defaults.
type Rules struct {
	// MaxConsumerScans is how many distinct consumers scanning one unit is
	// normal: a buyer checks a bottle once or twice and reloads the page, a
	// cloned code is scanned by phones everywhere.
	MaxConsumerScans int
	// Window bounds how far back scans count: a scanner or place counts
	// when its latest scan is within it.
	Window time.Duration
}

// Defaults are the thresholds the service starts with.
var Defaults = Rules{MaxConsumerScans: 5, Window: 365 * 24 * time.Hour}

// Judge owns the verdict: it reads what it needs from the store, the
// ledger verification and the location evidence, and returns the whole
// provenance a scan shows.
type Judge struct {
	Store    trace.Store
	Service  *trace.Service
	Verifier verify.Verifier
	Labels   Signer
	// IPs places scans by their client address; nil places none that way.
	IPs   IPLocator
	Rules Rules
	// Cache keeps what scans of the same lots share; nil keeps nothing.
	Cache *Cache
}

// Label is one scan of a unit label (or, with no Serial, of a lot) as it
// arrives.
type Label struct {
	GTIN, Lot, Serial, KeyID, Signature string
	Client                              string
	// Declared is the region given in the URL; only an inspector's counts.
	Declared string
	// Address is the client's network address, Token its first-party
	// scanner cookie, Geo the phone's location if the shopper shared it.
	Address string
	Token   string
	Geo     *Coords
	Time    time.Time
}

// Coords are a phone's reported latitude and longitude in degrees.
type Coords struct{ Lat, Lon float64 }

// unit judges a unit scan before it is recorded.
func (j Judge) unit(ctx context.Context, l Label) (Result, error) {
	r := Result{Verdict: Genuine, Place: j.locate(l)}
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
	case !j.signed(l):
		r.add(NotGenuine, BadSignature, "防伪签名无效：标签被伪造或篡改", "the label signature is not valid: the label was forged or altered")
		return r, nil
	}
	if retired, revoked := j.Labels.KeyDates(l.KeyID); !revoked.IsZero() {
		r.add(NotGenuine, KeyRevoked, "签名密钥已被吊销：此密钥签发的标签都不可信", "the signing key was revoked: no label it signed can be trusted")
		return r, nil
	} else if !retired.IsZero() && u.CreatedAt.After(retired) {
		r.add(NotGenuine, KeyRetired,
			fmt.Sprintf("此标签在签名密钥于 %s 停用之后才签发，不是正规签发的标签", retired.In(chinaTime).Format("2006-01-02 15:04")),
			fmt.Sprintf("this label was signed after its key was retired on %s: it was not issued properly", retired.In(chinaTime).Format("2006-01-02 15:04")))
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
	seen, err := j.Store.ScanSummary(ctx, u.Serial)
	if err != nil {
		return r, fmt.Errorf("judge scan of %s: %w", u.Serial, err)
	}
	market, err := j.market(ctx, lot)
	if err != nil {
		return r, err
	}
	j.pattern(ctx, &r, l, u, market, seen)
	return r, j.findings(ctx, &r, u.Serial, u.Lot)
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

// signed checks the label's signature with the key it names.
func (j Judge) signed(l Label) bool {
	key := l.KeyID + "\x00" + l.GTIN + "\x00" + l.Lot + "\x00" + l.Serial + "\x00" + l.Signature
	if j.Cache.signed(key) {
		return true
	}
	ok := j.Labels.Verify(l.KeyID, l.GTIN, l.Lot, l.Serial, l.Signature)
	if ok {
		j.Cache.keepSigned(key)
	}
	return ok
}

// market is the region where a lot was last received: the shop or
// distribution center that sells it.
func (j Judge) market(ctx context.Context, lot trace.Lot) (string, error) {
	if region, ok := j.Cache.market(lot); ok {
		return region, nil
	}
	events, err := j.Store.Events(ctx, lot.ID)
	if err != nil {
		return "", fmt.Errorf("market of %s: %w", lot.ID, err)
	}
	region := ""
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Type == trace.EventReceive || events[i].Type == trace.EventSell {
			region = events[i].Place.Region
			break
		}
	}
	j.Cache.keepMarket(lot, region)
	return region, nil
}

// pattern weighs the label's consumer scans within the window, as its
// summary has them: how many scanners, and the latest place far from here.
func (j Judge) pattern(ctx context.Context, r *Result, l Label, u trace.Unit, market string, seen trace.ScanSummary) {
	since := l.Time.Add(-j.Rules.Window)
	here, sold := r.Place, Place{Region: market, Source: sourceRecord}
	scanners := map[string]bool{}
	for _, s := range seen.Scanners {
		if s.Client == Consumer && !s.Last.Before(since) {
			scanners[s.Key] = true
		}
	}
	var elsewhere Place
	for _, s := range seen.Places {
		if there := (Place{Region: s.Region, Source: s.Source}); s.Client == Consumer && !s.Last.Before(since) && far(there, here) {
			elsewhere = there
			break
		}
	}
	if l.Client == Consumer {
		scanners[scannerID(l)] = true
		r.Scanners = len(scanners)
	}
	if n := len(scanners); n > j.Rules.MaxConsumerScans {
		r.add(Suspicious, ManyScans,
			fmt.Sprintf("已有 %d 个不同的扫描者（手机或网络地址）扫描过此标签，正品通常只有一两个人扫，可能是复制的二维码", n),
			fmt.Sprintf("%d distinct scanners (phones or network addresses) have scanned this label; a genuine bottle is scanned by one or two people, so the code may have been copied", n))
	}
	if elsewhere.Region != "" {
		r.add(Suspicious, ClonedLabel,
			fmt.Sprintf("同一标签也在相距很远的%s被扫描（%s）：同一瓶油不可能同时出现在两地，标签可能被克隆", place(elsewhere.Region).zh, here.source().zh),
			fmt.Sprintf("the same label was also scanned far away, in %s (%s): one bottle cannot be in both places, so the label has probably been cloned", place(elsewhere.Region).en, here.source().en))
	}
	if far(sold, here) && u.Status != trace.UnitSold {
		r.add(Suspicious, FarFromMarket,
			fmt.Sprintf("此批次发往%s销售，却在%s被扫描（%s）", place(market).zh, place(here.Region).zh, here.source().zh),
			fmt.Sprintf("this lot was shipped for sale in %s but is scanned in %s (%s)", place(market).en, place(here.Region).en, here.source().en))
	}
	if u.Status == trace.UnitSold {
		soldOn := u.SoldAt.In(chinaTime).Format("2006-01-02")
		switch {
		case l.Client == Inspector:
			seller := j.orgName(ctx, u.SoldBy)
			r.add(Suspicious, ShelvedAfterSale,
				fmt.Sprintf("此瓶已于 %s 由%s售出；售出后又出现在货架上的瓶子是回收灌装的", soldOn, seller.zh),
				fmt.Sprintf("this bottle was sold on %s by %s; a sold bottle back on a shelf has been refilled", soldOn, seller.en))
		case far(sold, here):
			r.add(Suspicious, SoldElsewhere,
				fmt.Sprintf("此瓶已于 %s 在%s售出，现在却在远处的%s被扫描（%s），可能是回收灌装的瓶子", soldOn, place(market).zh, place(here.Region).zh, here.source().zh),
				fmt.Sprintf("this bottle was sold on %s in %s and is now scanned far away, in %s (%s): it may be a refilled bottle", soldOn, place(market).en, place(here.Region).en, here.source().en))
		}
	}
}

// chinaTime shows times as the people scanning read clocks.
var chinaTime = time.FixedZone("CST", 8*3600)

// ledgerAltered adds the finding that the records behind a product disagree
// with the ledger.
func (r *Result) ledgerAltered() {
	r.add(Suspicious, RecordsAltered, "此产品的记录与区块链账本不一致：记录被篡改", "the records of this product do not match the ledger: they were altered")
}
