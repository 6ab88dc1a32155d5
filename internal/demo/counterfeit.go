package demo

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
)

// Regions in the counterfeit story.
const (
	ZhaojunTown  = "420526102" // where the genuine bottles are sold
	GonganCounty = "421022"    // Gong'an county, Jingzhou: another prefecture
)

// Fake is what the counterfeit story produced.
type Fake struct {
	ClonedURL string   `json:"clonedUrl"`
	Complaint string   `json:"complaint"`
	Findings  []string `json:"findings"`
}

// Counterfeit tells the second story: the QR code of a genuine bottle is
// copied onto bottles of cheap oil that turn up in a village shop in another
// county. Shoppers there scan it and, as more phones than one bottle ever
// meets scan it, are warned; one reports it; the regulator inspects, closes
// the complaint as confirmed, the copied code scans as not genuine from then
// on, and the audit says why. The copied bottle is another than the story's
// shelf bottle, which stays genuine.
func Counterfeit(ctx context.Context, base string, keys map[string]string, st Story, log io.Writer) (Fake, error) {
	fake := Fake{ClonedURL: st.ShelfURL}
	for _, b := range st.BottleURLs {
		if b != st.ShelfURL && b != st.SoldURL && !contains(st.Sold, serialOf(strings.Split(b, "?")[0])) {
			fake.ClonedURL = b
		}
	}
	u, err := url.Parse(fake.ClonedURL)
	if err != nil {
		return fake, err
	}
	// Each call is another phone: the client keeps no cookies. A region in
	// the URL counts only from the inspector; a shopper's is recorded only.
	scanFrom := func(org, region string) (string, []string, error) {
		q := u.Query()
		q.Set("region", region)
		var r struct {
			Verdict string
			Reasons []struct{ Code string }
		}
		err := Client{Base: base, Key: keys[org]}.Do(ctx, "GET", u.Path+"?"+q.Encode(), nil, &r)
		var codes []string
		for _, x := range r.Reasons {
			codes = append(codes, x.Code)
		}
		return r.Verdict, codes, err
	}
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("demo: %s: %w", what, err)
		}
		fmt.Fprintf(log, "  ✓ %s\n", what)
		return nil
	}
	v, _, err := scanFrom("", ZhaojunTown)
	if err := step("a shopper in Zhaojun town scans a genuine bottle: "+v, err); err != nil {
		return fake, err
	}
	var codes []string
	for range 5 {
		if v, codes, err = scanFrom("", GonganCounty); err != nil {
			break
		}
	}
	if err := step(fmt.Sprintf("the same QR code, copied onto fake bottles, is scanned by five shoppers in Gong'an county; the fifth sees: %s %v", v, codes), err); err != nil {
		return fake, err
	}
	var filed struct{ ID string }
	err = Client{Base: base}.Do(ctx, "POST", "/api/v1/complaints", trace.FileInput{
		Serial: serialOf(u.Path), Lot: st.BottleLot, Kind: "counterfeit", Region: GonganCounty,
		Description: "在公安县一家村级便民商店买的兴山菜籽油，扫码提示可疑，油味刺鼻、颜色偏浅，瓶身标签印刷模糊。",
	}, &filed)
	if err := step("the shopper reports it from the scan page, no login needed: complaint "+filed.ID, err); err != nil {
		return fake, err
	}
	fake.Complaint = filed.ID
	reg := Client{Base: base, Key: keys[Regulator]}
	path := "/api/v1/complaints/" + filed.ID + "/actions"
	if err := step("the county regulator assigns the complaint", reg.Do(ctx, "POST", path, trace.WorkInput{Action: "assign", Assignee: "公安县市场监管所 王所长"}, nil)); err != nil {
		return fake, err
	}
	v, codes, err = scanFrom(Regulator, GonganCounty)
	if err := step(fmt.Sprintf("an inspector scans the bottles on the shop's shelf: %s %v", v, codes), err); err != nil {
		return fake, err
	}
	if err := step("the inspector notes the finding", reg.Do(ctx, "POST", path, trace.WorkInput{Action: "note", Note: "货架上 12 瓶使用同一序列号；该序列号的正品发往兴山县昭君镇，未售出。"}, nil)); err != nil {
		return fake, err
	}
	if err := step("the complaint is closed as confirmed", reg.Do(ctx, "POST", path, trace.WorkInput{Action: "close", Resolution: trace.ComplaintConfirmed, Note: "确认为克隆标签假冒产品，已下架并立案。"}, nil)); err != nil {
		return fake, err
	}
	v, codes, err = scanFrom("", GonganCounty)
	if err := step(fmt.Sprintf("from now on the copied code scans as: %s %v", v, codes), err); err != nil {
		return fake, err
	}
	var report struct {
		Verdict  string
		Findings []struct{ Severity, Code, Message string }
	}
	if err := reg.Do(ctx, "GET", "/api/v1/audits/complaints/"+filed.ID, nil, &report); err != nil {
		return fake, fmt.Errorf("demo: audit: %w", err)
	}
	for _, f := range report.Findings {
		if f.Severity != "info" {
			fake.Findings = append(fake.Findings, fmt.Sprintf("[%s] %s: %s", f.Severity, f.Code, f.Message))
		}
	}
	return fake, nil
}

// serialOf takes the serial from a Digital Link path (…/21/{serial}).
func serialOf(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}
