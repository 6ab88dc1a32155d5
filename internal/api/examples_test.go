package api_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
)

// The README's worked examples: one real exchange for every write under
// /api/v1, recorded from the run below. The test checks that every example
// in the README validates against the OpenAPI document, request and answer,
// and that no write lacks one. To record them again:
//
//	AGRITRACE_UPDATE_README=1 go test -run TestWorkedExamples ./internal/api/

const (
	readmePath    = "../../README.md"
	examplesBegin = "<!-- worked-examples:begin (written by AGRITRACE_UPDATE_README=1 go test -run TestWorkedExamples ./internal/api/) -->"
	examplesEnd   = "<!-- worked-examples:end -->"
	exampleFence  = "```http example"
)

// example is one recorded exchange.
type example struct {
	title, method, path, as, body string
	status                        int
	answer                        []byte
}

// recorder makes requests as the README shows them and keeps those to show.
type recorder struct {
	t     *testing.T
	e     *env
	shown []example
}

// do sends body (JSON, or "" for none) as org and fails the test unless
// the answer is 2xx; a title puts the exchange in the README.
func (r *recorder) do(title, as, method, path, body string) map[string]any {
	r.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, r.e.URL+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if as != "" {
		req.Header.Set("Authorization", "Bearer "+r.e.Keys[as])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if method == http.MethodPost {
		req.Header.Set("Idempotency-Key", newKey())
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	if res.StatusCode > 299 {
		r.t.Fatalf("%s %s as %s: %d %s", method, path, as, res.StatusCode, answer)
	}
	if title != "" {
		r.shown = append(r.shown, example{title: title, method: method, path: path, as: as, body: body, status: res.StatusCode, answer: answer})
	}
	var v map[string]any
	_ = json.Unmarshal(answer, &v)
	return v
}

func newKey() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// lotID is the id of the first lot in a write's answer.
func lotID(v map[string]any) string { return v["lots"].([]any)[0].(map[string]any)["id"].(string) }

// season tells a short season through every write the API has.
func season(t *testing.T, e *env) []example {
	r := &recorder{t: t, e: e}
	const coop = "gaoyang-coop"
	r.do("Create an organization (admin)", demo.Admin, "POST", "/api/v1/orgs",
		`{"id":"gaoyang-coop","name":"高阳镇油菜籽合作社","nameEn":"Gaoyang Rapeseed Co-op","roles":["producer"],"region":"420526103"}`)
	key := r.do("Issue it an API key (admin; the secret is shown once)", demo.Admin, "POST", "/api/v1/orgs/"+coop+"/keys", "")
	r.do("Revoke a key", demo.Admin, "DELETE", "/api/v1/orgs/"+coop+"/keys/"+key["id"].(string), "")
	r.do("Disable an organization (admin)", demo.Admin, "POST", "/api/v1/orgs/"+coop+"/disable", "")
	r.do("Enable it again", demo.Admin, "POST", "/api/v1/orgs/"+coop+"/enable", "")
	r.do("Declare a GS1 Company Prefix", demo.Admin, "POST", "/api/v1/orgs/"+coop+"/prefixes", `{"prefix":"6901236"}`)
	r.do("Approve it (regulator)", demo.Regulator, "POST", "/api/v1/orgs/"+coop+"/prefixes/6901236/approve", "")

	r.do("Register a product under an approved prefix", demo.Collector, "POST", "/api/v1/products",
		fmt.Sprintf(`{"gtin":"%s","nameZh":"油菜籽","nameEn":"Rapeseed","unit":"kg","category":"rapeseed"}`, demo.Seed))
	for _, p := range demo.Products()[1:] {
		b, _ := json.Marshal(p)
		r.do("", p.Owner, "POST", "/api/v1/products", string(b))
	}
	r.do("License another organization to use a GTIN (owner)", demo.Mill, "POST", "/api/v1/products/"+demo.Bottle+"/licences", `{"licensee":"xingshan-cc"}`)
	r.do("Revoke the licence", demo.Mill, "DELETE", "/api/v1/products/"+demo.Bottle+"/licences/xingshan-cc", "")

	a := lotID(r.do("Commission a lot bought from growers", demo.Collector, "POST", "/api/v1/lots", fmt.Sprintf(
		`{"gtin":"%s","lot":"RS-2026-A","quantity":6000000,"origin":{"region":"420526101201","village":"桃园村","farm":"桃园村油菜种植专业合作社","harvestDate":"2026-05-12"},"attributes":{"variety":"华油杂62"}}`, demo.Seed)))
	b := lotID(r.do("", demo.Collector, "POST", "/api/v1/lots", fmt.Sprintf(
		`{"gtin":"%s","lot":"RS-2026-B","quantity":4500000,"origin":{"region":"420526101205","farm":"响滩村家庭农场","harvestDate":"2026-05-15"}}`, demo.Seed)))
	r.do("Record quality results", demo.Collector, "POST", "/api/v1/lots/"+a+"/inspect",
		`{"results":{"moisture":7.2,"oilContent":41.8,"impurities":1.4},"note":"GB/T 11762"}`)
	r.do("Issue a 承诺达标合格证 for the lot (producer or collection center holding it)", demo.Collector, "POST", "/api/v1/lots/"+a+"/certificates",
		`{"phone":"13872345678","basis":"self-test","results":{"农药残留速测":"阴性"},"signer":"王秀英","commit":true}`)
	r.do("Split a lot", demo.Collector, "POST", "/api/v1/lots/"+b+"/split",
		`{"parts":[{"lot":"RS-2026-B1","quantity":4000000},{"lot":"RS-2026-B2","quantity":500000}]}`)
	b1 := demo.Seed + ".RS-2026-B1"
	r.do("Ship a lot (custodian)", demo.Collector, "POST", "/api/v1/lots/"+a+"/ship", `{"to":"gufu-mill"}`)
	r.do("", demo.Collector, "POST", "/api/v1/lots/"+b1+"/ship", `{"to":"gufu-mill"}`)
	r.do("Receive it (consignee)", demo.Mill, "POST", "/api/v1/lots/"+a+"/receive", `{}`)
	r.do("", demo.Mill, "POST", "/api/v1/lots/"+b1+"/receive", `{"place":{"name":"古夫镇菜籽油坊仓库"}}`)
	r.do("Merge lots of one product", demo.Mill, "POST", "/api/v1/merges", fmt.Sprintf(`{"inputs":["%s","%s"],"lot":"RS-2026-M"}`, a, b1))
	m := demo.Seed + ".RS-2026-M"
	oil := demo.Oil + ".OIL-2026-01"
	r.do("Press seed into oil and meal (transform)", demo.Mill, "POST", "/api/v1/transforms", fmt.Sprintf(
		`{"inputs":[{"lot":"%s","quantity":10000000}],"outputs":[{"gtin":"%s","lot":"OIL-2026-01","quantity":3930000},{"gtin":"%s","lot":"MEAL-2026-01","quantity":6200000}]}`, m, demo.Oil, demo.Meal))
	packed := r.do("Fill bottles with signed serials (pack)", demo.Mill, "POST", "/api/v1/lots/"+oil+"/pack",
		fmt.Sprintf(`{"gtin":"%s","lot":"B-2026-01","count":3,"unitSize":5000}`, demo.Bottle))
	bottles := demo.Bottle + ".B-2026-01"
	var serials []string
	for _, u := range packed["units"].([]any) {
		serials = append(serials, u.(map[string]any)["serial"].(string))
	}
	r.do("Print labels (a background run)", demo.Mill, "POST", "/api/v1/lots/"+bottles+"/print-runs",
		fmt.Sprintf(`{"layout":"thermal","serials":["%s","%s"]}`, serials[0], serials[1]))
	r.do("", demo.Mill, "POST", "/api/v1/lots/"+bottles+"/ship", `{"to":"zhaojun-shop"}`)
	r.do("", demo.Shop, "POST", "/api/v1/lots/"+bottles+"/receive", `{}`)
	r.do("Sell a bottle by serial (retailer)", demo.Shop, "POST", "/api/v1/lots/"+bottles+"/sell", fmt.Sprintf(`{"serials":["%s"]}`, serials[0]))

	c := demo.Seed + ".RS-2026-C"
	r.do("Several writes in one commit (batch)", demo.Collector, "POST", "/api/v1/batch", fmt.Sprintf(
		`{"events":[{"op":"commission","body":{"gtin":"%s","lot":"RS-2026-C","quantity":800000,"origin":{"region":"420526101201","village":"桃园村"}}},{"op":"inspect","lot":"%s","body":{"results":{"moisture":11.5}}}]}`, demo.Seed, c))
	r.do("Recall a lot and everything made from it (regulator)", demo.Regulator, "POST", "/api/v1/lots/"+c+"/recall",
		`{"reason":"水分超标 11.5 %，有霉变风险","advice":"请停止使用，退回兴山县农产品集配中心"}`)
	filed := r.do("Report a suspect bottle (anyone, no key)", "", "POST", "/api/v1/complaints", fmt.Sprintf(
		`{"serial":"%s","kind":"counterfeit","description":"瓶盖封口有撕开的痕迹，油色浑浊","region":"420526"}`, serials[0]))
	r.do("Work a complaint (regulator)", demo.Regulator, "POST", "/api/v1/complaints/"+filed["id"].(string)+"/actions",
		`{"action":"assign","assignee":"李明"}`)
	return r.shown
}

// TestWorkedExamples runs the season (every exchange checked by the harness)
// and checks the README's examples against the document.
func TestWorkedExamples(t *testing.T) {
	shown := season(t, start(t))
	if os.Getenv("AGRITRACE_UPDATE_README") != "" {
		if err := writeExamples(shown); err != nil {
			t.Fatal(err)
		}
	}
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	c := mustContract(t)
	blocks := fencedExamples(string(readme))
	if len(blocks)%2 != 0 {
		t.Fatalf("README has %d %q blocks: each request needs its answer", len(blocks), exampleFence)
	}
	covered := map[string]bool{}
	for i := 0; i < len(blocks); i += 2 {
		req, err := parseExampleRequest(blocks[i])
		if err != nil {
			t.Fatalf("README example %d: %v", i/2+1, err)
		}
		status, header, body, err := parseExampleAnswer(blocks[i+1])
		if err != nil {
			t.Fatalf("README example %d (%s %s): %v", i/2+1, req.Method, req.URL.Path, err)
		}
		if status > 299 {
			t.Errorf("README example %d (%s %s) answers %d: examples show writes that work", i/2+1, req.Method, req.URL.Path, status)
		}
		if msg := c.check(req, status, header, body); msg != "" {
			t.Errorf("README example %d: %s %s: %s", i/2+1, req.Method, req.URL.Path, msg)
		}
		if route, _, err := c.router.FindRoute(req); err == nil {
			covered[route.Method+" "+route.Path] = true
		}
	}
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			if (method == http.MethodPost || method == http.MethodDelete) && strings.HasPrefix(path, "/api/v1/") && !covered[method+" "+path] {
				t.Errorf("README has no worked example of %s %s", method, path)
			}
		}
	}
}

// fencedExamples returns the text of every example block in the README.
func fencedExamples(readme string) []string {
	var blocks []string
	rest := readme
	for {
		i := strings.Index(rest, "\n"+exampleFence+"\n")
		if i < 0 {
			return blocks
		}
		rest = rest[i+len(exampleFence)+2:]
		j := strings.Index(rest, "\n```\n")
		if j < 0 {
			return blocks
		}
		blocks = append(blocks, rest[:j+1])
		rest = rest[j:]
	}
}

var requestLine = regexp.MustCompile(`^(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/1\.1$`)

// parseExampleRequest reads a request as the README shows it: request line,
// headers, a blank line and the body.
func parseExampleRequest(block string) (*http.Request, error) {
	head, body, _ := strings.Cut(block, "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	m := requestLine.FindStringSubmatch(lines[0])
	if m == nil {
		return nil, fmt.Errorf("request line %q is not METHOD PATH HTTP/1.1", lines[0])
	}
	req := httptest.NewRequest(m[1], m[2], strings.NewReader(strings.TrimSpace(body)))
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ": ")
		if !ok {
			return nil, fmt.Errorf("header line %q", l)
		}
		req.Header.Set(k, v)
	}
	return req, nil
}

// parseExampleAnswer reads an answer: status line, headers, blank line, body.
func parseExampleAnswer(block string) (int, http.Header, []byte, error) {
	res, err := http.ReadResponse(bufio.NewReader(strings.NewReader(strings.Replace(block, "\n\n", "\r\n\r\n", 1))), nil)
	if err != nil {
		return 0, nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, bytes.TrimSpace(b), err
}

// writeExamples puts the recorded exchanges into the README between the
// markers.
func writeExamples(shown []example) error {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		return err
	}
	before, rest, ok1 := strings.Cut(string(readme), examplesBegin)
	_, after, ok2 := strings.Cut(rest, examplesEnd)
	if !ok1 || !ok2 {
		return fmt.Errorf("README lacks the markers %q and %q", examplesBegin, examplesEnd)
	}
	var b strings.Builder
	b.WriteString(examplesBegin + "\n")
	for _, x := range shown {
		fmt.Fprintf(&b, "\n#### %s\n\n%s\n%s %s HTTP/1.1\n", x.title, exampleFence, x.method, x.path)
		if x.as != "" {
			fmt.Fprintf(&b, "Authorization: Bearer <%s's key>\n", x.as)
		}
		if x.body != "" {
			b.WriteString("Content-Type: application/json\n")
		}
		if x.method == http.MethodPost {
			b.WriteString("Idempotency-Key: " + newKey() + "\n")
		}
		if x.body != "" {
			b.WriteString("\n" + layout([]byte(x.body), 2) + "\n")
		}
		fmt.Fprintf(&b, "```\n\n<details><summary>%d %s</summary>\n\n%s\nHTTP/1.1 %d %s\nContent-Type: application/json; charset=utf-8\n\n%s\n```\n\n</details>\n",
			x.status, http.StatusText(x.status), exampleFence, x.status, http.StatusText(x.status), layout(x.answer, 2))
	}
	b.WriteString("\n" + examplesEnd)
	return os.WriteFile(readmePath, []byte(before+b.String()+after), 0o644)
}

// layout indents JSON down to depth levels and keeps what is deeper on one
// line: an answer's lots and events read one per line.
func layout(b []byte, depth int) string {
	var c bytes.Buffer
	if err := json.Compact(&c, b); err != nil {
		return string(b)
	}
	src := c.Bytes()
	var out strings.Builder
	level, inString, escaped := 0, false, false
	newline := func(l int) { out.WriteString("\n" + strings.Repeat("  ", l)) }
	for i := 0; i < len(src); i++ {
		ch := src[i]
		out.WriteByte(ch)
		switch {
		case inString:
			escaped, inString = !escaped && ch == '\\', escaped || ch != '"'
		case ch == '"':
			inString = true
		case ch == '{' || ch == '[':
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				out.WriteByte(src[i+1])
				i++
				continue
			}
			level++
			if level <= depth {
				newline(level)
			}
		case ch == ',' && level <= depth:
			newline(level)
		case ch == ':' && level <= depth:
			out.WriteByte(' ')
		}
		if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') && !inString {
			if level <= depth {
				newline(level - 1)
			}
			level--
		}
	}
	return out.String()
}
