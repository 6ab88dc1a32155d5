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
	"os"
	"strings"
	"time"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/scan"
)

// errLabelFailed is what verify-label returns, after printing why, when the
// label does not pass: main turns it into exit status 1.
var errLabelFailed = errors.New("the label failed verification")

// errLabelUnverified is what verify-label returns when the signature holds
// but no configured service could say whether the unit is recalled, copied or
// cloned: a copied genuine label passes the offline check, so this is not a
// pass. main turns it into exit status 2.
var errLabelUnverified = errors.New("the label could not be verified online")

// serviceEnv names the service verify-label asks when -service is not given.
const serviceEnv = "AGRITRACE_VERIFY_SERVICE"

// onlineTimeout bounds each call to the service: a shop counter is no place
// to wait for a slow network.
const onlineTimeout = 10 * time.Second

// labelReport is everything verify-label found; -json prints it as is.
type labelReport struct {
	Source  string        `json:"source"` // the image path, or "url"
	URL     string        `json:"url"`
	GTIN    string        `json:"gtin"`
	Lot     string        `json:"lot"`
	Serial  string        `json:"serial"`
	KeyID   string        `json:"keyId"`
	QR      qrSize        `json:"qr"`
	Keys    string        `json:"keys"`
	Offline offlineResult `json:"offline"`
	Online  *onlineResult `json:"online,omitempty"` // absent with -offline
	OK      bool          `json:"ok"`
	// Result is "pass", "fail" or "unverified" (a valid signature that no
	// configured service could vouch for).
	Result string `json:"result"`
}

// qrSize is the QR code our labels use for this URL (label.Size).
type qrSize struct {
	Version int `json:"version"`
	Modules int `json:"modules"`
}

type offlineResult struct {
	Verdict string `json:"verdict"`           // "valid" or "invalid"
	Code    string `json:"code,omitempty"`    // why not, for scripts
	Message string `json:"message,omitempty"` // why not, for people
	// Note says what the offline check cannot decide: a retired key's labels
	// are genuine only for units made before it was retired.
	Note string `json:"note,omitempty"`
}

type onlineResult struct {
	Service   string        `json:"service,omitempty"`
	Available bool          `json:"available"`
	Verdict   string        `json:"verdict,omitempty"`
	Reasons   []scan.Reason `json:"reasons,omitempty"`
	Error     string        `json:"error,omitempty"`
}

// offlineCodes names each offline failure; bad_signature is the code the
// service uses for the same finding.
var offlineCodes = []struct {
	err  error
	code string
}{
	{label.ErrNoSignature, "no_signature"},
	{label.ErrUnknownKey, "unknown_key"},
	{label.ErrMalformedSignature, "malformed_signature"},
	{label.ErrSignatureMismatch, "bad_signature"},
	{label.ErrKeyRevoked, "key_revoked"},
}

// verifyLabel checks a label from a photo or its URL: first offline against
// saved public keys, which a forger cannot answer for, then with the service,
// which knows about recalls, copies and clones.
func verifyLabel(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agritrace verify-label", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: agritrace verify-label [-keys FILE] [-save-keys FILE -from BASEURL] [-service BASEURL] [-offline] [-json] IMAGE|URL\n\n")
		fs.PrintDefaults()
	}
	keysFile := fs.String("keys", "", "label public keys saved earlier with -save-keys")
	saveKeys := fs.String("save-keys", "", "download the label public keys from -from and save them to this file")
	from := fs.String("from", "", "base URL of the AgriTrace service to trust for keys, such as https://trace.example.cn")
	offline := fs.Bool("offline", false, "check the signature only; do not ask the service")
	service := fs.String("service", getenv(serviceEnv), "the AgriTrace service (base URL) to ask for the unit's status ($"+serviceEnv+"); "+
		"the host printed in the label is never asked, since a forger chooses it")
	asJSON := fs.Bool("json", false, "print one JSON object")
	// Flags may come after the argument too: agritrace verify-label photo.jpg -keys k.json.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch {
	case len(rest) > 1:
		return fmt.Errorf("verify-label: one label at a time, got %d: %s", len(rest), strings.Join(rest, " "))
	case *saveKeys != "" && *from == "":
		return errors.New("verify-label: -save-keys needs -from BASEURL, the service whose keys to trust")
	case *from != "" && *saveKeys == "":
		return errors.New("verify-label: -from goes with -save-keys FILE")
	case *saveKeys != "" && *keysFile != "":
		return errors.New("verify-label: use either -keys FILE or -save-keys FILE -from BASEURL")
	case *saveKeys == "" && *keysFile == "":
		return errors.New("verify-label: the label public keys are needed to check offline: pass -keys FILE, " +
			"or fetch them once with -save-keys FILE -from BASEURL")
	case len(rest) == 0 && *saveKeys == "":
		fs.Usage()
		return errors.New("verify-label: give a label image or URL")
	}
	client := &http.Client{Timeout: onlineTimeout, CheckRedirect: sameOrigin}

	var ks label.KeySet
	var err error
	if *saveKeys != "" {
		fetchCtx, cancel := context.WithTimeout(ctx, onlineTimeout)
		ks, err = label.FetchKeySet(fetchCtx, *from, client)
		cancel()
		if err != nil {
			return fmt.Errorf("verify-label: %w", err)
		}
		if err := label.SaveKeySet(*saveKeys, ks); err != nil {
			return fmt.Errorf("verify-label: %w", err)
		}
		fmt.Fprintf(stderr, "saved %d label key(s) from %s to %s\n", len(ks.Keys), *from, *saveKeys)
		if len(rest) == 0 {
			return nil
		}
		*keysFile = *saveKeys
	} else if ks, err = label.LoadKeySet(*keysFile); err != nil {
		return fmt.Errorf("verify-label: %w", err)
	}

	r, err := readLabel(rest[0])
	if err != nil {
		return fmt.Errorf("verify-label: %w", err)
	}
	r.Keys = *keysFile
	link, err := label.ParseLink(r.URL)
	if err != nil {
		return fmt.Errorf("verify-label: not an AgriTrace label: %w", err)
	}
	r.GTIN, r.Lot, r.Serial, r.KeyID = link.GTIN, link.Lot, link.Serial, link.KeyID
	if r.QR.Version, r.QR.Modules, err = label.Size(r.URL); err != nil {
		return fmt.Errorf("verify-label: %w", err)
	}

	r.Offline = offlineResult{Verdict: "valid"}
	if err := ks.Verify(link); err != nil {
		r.Offline = offlineResult{Verdict: "invalid", Code: "invalid", Message: err.Error()}
		for _, c := range offlineCodes {
			if errors.Is(err, c.err) {
				r.Offline.Code = c.code
			}
		}
	} else if retired := ks.Retired(link.KeyID); !retired.IsZero() {
		r.Offline.Note = fmt.Sprintf("key %s was retired on %s: the label is genuine only if its unit was made before then, which the online check knows",
			link.KeyID, retired.Format(time.RFC3339))
	}
	// Ask the service even when the signature fails: it records the scan, so
	// regulators hear about the fake, and may say more (an unknown serial).
	switch {
	case *offline:
	case *service == "":
		r.Online = &onlineResult{Error: "online check unavailable: no service configured (-service BASEURL or $" + serviceEnv +
			"); the host the label names is not asked, since a forger chooses it"}
	default:
		r.Online = checkOnline(ctx, client, rehost(r.URL, *service))
	}
	r.OK = r.Offline.Verdict == "valid" && (r.Online == nil ||
		r.Online.Available && (r.Online.Verdict == scan.Genuine || r.Online.Verdict == scan.Pending))
	switch {
	case r.OK:
		r.Result = "pass"
	case r.Offline.Verdict == "valid" && !r.Online.Available:
		r.Result = "unverified"
	default:
		r.Result = "fail"
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		printLabelReport(stdout, r)
	}
	switch r.Result {
	case "unverified":
		return errLabelUnverified
	case "fail":
		return errLabelFailed
	}
	return nil
}

// sameOrigin is the redirect policy of every request verify-label makes: a
// redirect stays on the scheme and host first asked, the one the user
// configured, so that no other host can answer for a label.
func sameOrigin(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if req.URL.Scheme != first.Scheme || req.URL.Host != first.Host {
		return fmt.Errorf("%s redirected to %s://%s, which is not the configured service", first.Host, req.URL.Scheme, req.URL.Host)
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// readLabel takes the argument as a label URL, or else as the path of a photo
// of its QR code.
func readLabel(arg string) (labelReport, error) {
	if lower := strings.ToLower(arg); strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
		return labelReport{Source: "url", URL: arg}, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return labelReport{}, err
	}
	defer f.Close()
	text, err := label.DecodeImage(f)
	if err != nil {
		return labelReport{}, fmt.Errorf("%s: %w", arg, err)
	}
	return labelReport{Source: arg, URL: text}, nil
}

// rehost points a label URL at the configured service, keeping path and
// query.
func rehost(raw, service string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	out := strings.TrimRight(service, "/") + u.EscapedPath()
	if u.RawQuery != "" {
		out += "?" + u.RawQuery
	}
	return out
}

// checkOnline asks the configured service about the label, as a phone would.
// Any failure to get an answer makes the label unverified, not a pass.
func checkOnline(ctx context.Context, client *http.Client, raw string) *onlineResult {
	res := &onlineResult{}
	unavailable := func(why string) *onlineResult {
		res.Error = "online check unavailable: " + why
		return res
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return unavailable("the label URL is not http or https")
	}
	res.Service = u.Scheme + "://" + u.Host
	ctx, cancel := context.WithTimeout(ctx, onlineTimeout)
	defer cancel()
	// A GS1 resolver redirects the label to its provenance page, which the
	// client follows; one that answers JSON with the label's linkset instead
	// is followed to the linkset's default link, with the label's query, as
	// long as that link is on the same service.
	body, err := getJSON(ctx, client, raw)
	if err == nil && body.linkset != "" {
		if l, perr := url.Parse(body.linkset); perr != nil || l.Scheme != u.Scheme || l.Host != u.Host {
			return unavailable(fmt.Sprintf("the linkset's default link %s is not on the configured service", body.linkset))
		}
		body, err = getJSON(ctx, client, body.linkset+"?"+u.RawQuery)
	}
	if err != nil {
		return unavailable(err.Error())
	}
	if body.verdict.Verdict == "" {
		return unavailable(fmt.Sprintf("%s did not answer with a verdict", res.Service))
	}
	res.Available, res.Verdict, res.Reasons = true, body.verdict.Verdict, body.verdict.Reasons
	return res
}

// onlineAnswer is what the service said of a label: its verdict, or, from a
// resolver answering with a linkset, the default link to ask instead.
type onlineAnswer struct {
	verdict struct {
		Verdict string        `json:"verdict"`
		Reasons []scan.Reason `json:"reasons"`
	}
	linkset string
}

func getJSON(ctx context.Context, client *http.Client, raw string) (onlineAnswer, error) {
	var a onlineAnswer
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return a, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// The URL is printed above already; say only what went wrong.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return a, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return a, fmt.Errorf("%s answered %s", resp.Request.URL.Host, resp.Status)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, 4<<20))
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/linkset+json") {
		if err := dec.Decode(&a.verdict); err != nil {
			return a, fmt.Errorf("%s did not answer with a verdict", resp.Request.URL.Host)
		}
		return a, nil
	}
	var ls struct {
		Linkset []map[string]json.RawMessage `json:"linkset"`
	}
	var def []struct{ Href string }
	if err := dec.Decode(&ls); err != nil || len(ls.Linkset) == 0 ||
		json.Unmarshal(ls.Linkset[0]["https://gs1.org/voc/defaultLink"], &def) != nil || len(def) == 0 || def[0].Href == "" {
		return a, fmt.Errorf("%s answered with a linkset that has no default link", resp.Request.URL.Host)
	}
	a.linkset = def[0].Href
	return a, nil
}

func printLabelReport(w io.Writer, r labelReport) {
	fmt.Fprintf(w, "Label     %s\n", r.URL)
	if r.Source != "url" {
		fmt.Fprintf(w, "          read from %s\n", r.Source)
	}
	fmt.Fprintf(w, "GTIN      %s\nLot       %s\nSerial    %s\nKey id    %s\n", r.GTIN, r.Lot, r.Serial, r.KeyID)
	fmt.Fprintf(w, "QR code   version %d, %d×%d modules\n", r.QR.Version, r.QR.Modules, r.QR.Modules)
	if r.Offline.Verdict == "valid" {
		fmt.Fprintf(w, "Offline   signature valid (keys from %s)\n", r.Keys)
		if r.Offline.Note != "" {
			fmt.Fprintf(w, "          %s\n", r.Offline.Note)
		}
	} else {
		fmt.Fprintf(w, "Offline   signature INVALID: %s [%s]\n", r.Offline.Message, r.Offline.Code)
	}
	switch {
	case r.Online == nil:
		fmt.Fprintf(w, "Online    not asked (-offline)\n")
	case !r.Online.Available:
		fmt.Fprintf(w, "Online    %s\n", r.Online.Error)
	default:
		fmt.Fprintf(w, "Online    %s, says %s\n", r.Online.Verdict, r.Online.Service)
		for _, reason := range r.Online.Reasons {
			fmt.Fprintf(w, "            %s: %s\n", reason.Code, reason.EN)
		}
	}
	switch r.Result {
	case "pass":
		fmt.Fprintf(w, "Result    PASS\n")
	case "unverified":
		fmt.Fprintf(w, "Result    UNVERIFIED: the signature is valid, but no configured service vouched for the unit\n")
	default:
		fmt.Fprintf(w, "Result    FAIL\n")
	}
}
