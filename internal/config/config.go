// Package config reads AgriTrace's settings from flags, falling back to
// environment variables, falling back to defaults that run everything embedded.
package config

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"
)

// Config is every setting of the service.
type Config struct {
	Addr      string
	DataDir   string
	PublicURL string
	MongoURI  string
	MongoDB   string
	Ledger    string
	LabelKeys string
	Yields    string
	PDFFont   string
	// IPDB is an ip2region v1 database that places scans by client address;
	// empty places none that way.
	IPDB string
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed
	// when telling clients apart (for rate limits); none by default.
	TrustedProxies []string
	LogLevel       slog.Level
	AnchorBatch    int
	AnchorIdle     time.Duration
	// PrintKeep is how long finished label print runs and their PDFs are kept.
	PrintKeep time.Duration
	// ScanCacheTTL bounds how long scans reuse a lot's verified provenance.
	ScanCacheTTL time.Duration
	// ProbeWindow folds repeated probes from one client into one alert.
	ProbeWindow time.Duration
	// Divisions is a JSON file of the townships and villages of the counties
	// served, for the console's village choice; empty uses the demo county's.
	Divisions string
	// FabricEnv is a file of KEY=VALUE lines with the Fabric client settings,
	// as scripts/fabric/up.sh writes it; variables already set win over it.
	FabricEnv string
	// MetricsAddr is where Prometheus metrics are served, on a listener of
	// their own so that they can stay off the public address; empty serves
	// none.
	MetricsAddr string
	// Limits are the public endpoints' rate limits.
	Limits Limits

	// TLSCert and TLSKey are PEM files: with both set the service answers
	// HTTPS only; with neither, plain HTTP (behind a TLS-terminating proxy).
	TLSCert, TLSKey string
	// Instance names this process among the instances sharing one store.
	// Empty means the name kept in <data>/instance-id, made on first start,
	// so that a restarted instance knows its own unfinished work.
	Instance string
	// LabelSecret is a file holding the secret that seals the label keyring
	// kept in the store for every instance; empty keeps it in LabelKeys.
	LabelSecret string
	// LabelRefresh is how often a ring kept in the store is read again.
	LabelRefresh time.Duration

	// Timeouts bound slow and silent clients (see api.Pace).
	Timeouts Timeouts
}

// Timeouts are the HTTP server's limits on slow clients.
type Timeouts struct {
	// ReadHeader bounds the request line and headers.
	ReadHeader time.Duration
	// Read is the grace a request body gets beyond MinRate.
	Read time.Duration
	// Write is the grace each write of the answer gets beyond MinRate.
	Write time.Duration
	// Idle bounds a kept-alive connection waiting for its next request.
	Idle time.Duration
	// MinRate is the slowest transfer, in bytes a second, a body or an
	// answer may keep up: a 32 MiB batch on a slow village link is allowed
	// its time, a body sent a byte a second is not.
	MinRate int64
}

// Setting documents one setting: its flag, its variable and its default. The
// README's configuration table is this list.
type Setting struct {
	Flag, Env, Default, Usage string
}

// Settings lists every setting the flags accept.
var Settings = []Setting{
	{"addr", "AGRITRACE_ADDR", "127.0.0.1:8080", "address the HTTP server listens on"},
	{"data", "AGRITRACE_DATA", "./agritrace-data", "directory for the embedded store, embedded ledger and label keys"},
	{"public-url", "AGRITRACE_PUBLIC_URL", "http://<addr>", "public base URL printed in QR codes (GS1 Digital Link host)"},
	{"mongodb-uri", "MONGODB_URI", "", "use MongoDB at this URI instead of the embedded SQLite store"},
	{"mongodb-db", "AGRITRACE_MONGODB_DB", "agritrace", "MongoDB database name"},
	{"ledger", "AGRITRACE_LEDGER", "embedded", "ledger: embedded (block log in the data directory) or fabric"},
	{"fabric-env", "AGRITRACE_FABRIC_ENV", "", "file with the Fabric client settings (written by scripts/fabric/up.sh)"},
	{"label-keys", "AGRITRACE_LABEL_KEYS", "<data>/label-keys.json", "Ed25519 label signing keys (created when absent)"},
	{"yields", "AGRITRACE_YIELDS", "", "JSON file of transform yield rules, replacing the defaults (rapeseed to oil 30-45 %, meal 50-70 %, roasted seed 85-100 %; roasted seed to oil 30-50 %, meal 50-75 %)"},
	{"pdf-font", "AGRITRACE_PDF_FONT", "", "TrueType font with Chinese glyphs for PDF audits (default: Debian's fonts-droid-fallback)"},
	{"ip-db", "AGRITRACE_IP_DB", "", "ip2region v1 .db file that places scans by client address (default: scans are not placed by address)"},
	{"trusted-proxies", "AGRITRACE_TRUSTED_PROXIES", "", "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For is trusted"},
	{"log-level", "AGRITRACE_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"anchor-batch", "AGRITRACE_ANCHOR_BATCH", "2000", "records sent to the ledger per call"},
	{"anchor-idle", "AGRITRACE_ANCHOR_IDLE", "2s", "how often the anchoring worker looks for work when not woken"},
	{"divisions", "AGRITRACE_DIVISIONS", "", "JSON file of the counties' townships and villages the console offers (default: the demo county, Xingshan)"},
	{"print-keep", "AGRITRACE_PRINT_KEEP", "24h", "how long finished label print runs and their PDFs are kept in <data>/print-runs"},
	{"scan-cache-ttl", "AGRITRACE_SCAN_CACHE_TTL", "30s", "how long scans reuse a lot's verified provenance while no event is added to its lots"},
	{"probe-window", "AGRITRACE_PROBE_WINDOW", "10m", "scans of never-issued or falsely signed labels from one client address (IPv6: its /64) within this window are kept as one alert with their count; 0 keeps each"},
	{"read-header-timeout", "AGRITRACE_READ_HEADER_TIMEOUT", "10s", "time a client has to send the request line and headers"},
	{"read-timeout", "AGRITRACE_READ_TIMEOUT", "30s", "time a request body has beyond what -min-rate allows for its size"},
	{"write-timeout", "AGRITRACE_WRITE_TIMEOUT", "30s", "time each write of an answer has beyond what -min-rate allows for its size"},
	{"idle-timeout", "AGRITRACE_IDLE_TIMEOUT", "60s", "how long a kept-alive connection may wait for its next request"},
	{"min-rate", "AGRITRACE_MIN_RATE", "1024", "slowest rate, in bytes a second, at which a body may arrive or an answer be read"},
	{"metrics-addr", "AGRITRACE_METRICS_ADDR", "", "address of a separate listener serving Prometheus metrics at /metrics, unauthenticated (default: none)"},
	{"scan-limit", "AGRITRACE_SCAN_LIMIT", DefaultLimits.Scans.String(), "scans of provenance pages per client address (IPv6: per /64), as N/period"},
	{"keyed-scan-limit", "AGRITRACE_KEYED_SCAN_LIMIT", DefaultLimits.KeyedScans.String(), "scans of provenance pages per organization calling with an API key, as N/period"},
	{"complaint-limit", "AGRITRACE_COMPLAINT_LIMIT", DefaultLimits.Complaints.String(), "complaints per client address (IPv6: per /64), as N/period"},
	{"keyed-complaint-limit", "AGRITRACE_KEYED_COMPLAINT_LIMIT", DefaultLimits.KeyedComplaints.String(), "complaints per organization calling with an API key, as N/period"},

	{"tls-cert", "AGRITRACE_TLS_CERT", "", "PEM certificate chain: serve HTTPS (TLS 1.2 or later, HTTP/2) instead of HTTP; needs -tls-key"},
	{"tls-key", "AGRITRACE_TLS_KEY", "", "PEM private key of -tls-cert"},
	{"instance", "AGRITRACE_INSTANCE", "", "this instance's name among those sharing one MongoDB store (default: a name made on first start and kept in <data>/instance-id)"},
	{"label-secret", "AGRITRACE_LABEL_SECRET", "", "file holding 32 random bytes, base64 (openssl rand -base64 32): keep the label keys in the store, sealed with it, shared by every instance given the same file (default: keep them in -label-keys)"},
	{"label-refresh", "AGRITRACE_LABEL_REFRESH", "10s", "with -label-secret: how often the label keys are read again from the store, so that rotations apply without a restart"},
}

// Load parses args (without the program and subcommand names) with getenv
// supplying defaults.
func Load(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	finish := Bind(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return finish()
}

// Bind registers every setting on fs, for commands that have flags of their
// own too; call the returned function after fs.Parse.
func Bind(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	vals := map[string]*string{}
	for _, s := range Settings {
		def := s.Default
		if v := getenv(s.Env); v != "" {
			def = v
		}
		vals[s.Flag] = fs.String(s.Flag, def, s.Usage+" ($"+s.Env+")")
	}
	return func() (Config, error) { return build(vals) }
}

func build(vals map[string]*string) (Config, error) {
	c := Config{
		Addr: *vals["addr"], DataDir: *vals["data"], PublicURL: *vals["public-url"], MongoURI: *vals["mongodb-uri"],
		MongoDB: *vals["mongodb-db"], Ledger: *vals["ledger"], LabelKeys: *vals["label-keys"], FabricEnv: *vals["fabric-env"],
		Yields: *vals["yields"], PDFFont: *vals["pdf-font"], IPDB: *vals["ip-db"],
		Divisions: *vals["divisions"], MetricsAddr: *vals["metrics-addr"], TLSCert: *vals["tls-cert"], TLSKey: *vals["tls-key"],
		Instance: *vals["instance"], LabelSecret: *vals["label-secret"],
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return Config{}, fmt.Errorf("-tls-cert and -tls-key go together: give both to serve HTTPS, or neither")
	}
	for _, p := range strings.Split(*vals["trusted-proxies"], ",") {
		if p = strings.TrimSpace(p); p != "" {
			if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
				return Config{}, fmt.Errorf("-trusted-proxies: %q is not an IP address or CIDR", p)
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	if c.PublicURL == "http://<addr>" {
		c.PublicURL = c.Scheme() + "://" + c.Addr
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.LabelKeys == "<data>/label-keys.json" {
		c.LabelKeys = filepath.Join(c.DataDir, "label-keys.json")
	}
	if err := c.LogLevel.UnmarshalText([]byte(*vals["log-level"])); err != nil {
		return Config{}, fmt.Errorf("-log-level: %w", err)
	}
	if _, err := fmt.Sscan(*vals["anchor-batch"], &c.AnchorBatch); err != nil || c.AnchorBatch < 1 {
		return Config{}, fmt.Errorf("-anchor-batch must be a positive number, not %q", *vals["anchor-batch"])
	}
	var err error
	if c.AnchorIdle, err = time.ParseDuration(*vals["anchor-idle"]); err != nil || c.AnchorIdle <= 0 {
		return Config{}, fmt.Errorf("-anchor-idle must be a duration such as 2s, not %q", *vals["anchor-idle"])
	}
	if c.PrintKeep, err = time.ParseDuration(*vals["print-keep"]); err != nil || c.PrintKeep <= 0 {
		return Config{}, fmt.Errorf("-print-keep must be a duration such as 24h, not %q", *vals["print-keep"])
	}
	if c.ScanCacheTTL, err = time.ParseDuration(*vals["scan-cache-ttl"]); err != nil || c.ScanCacheTTL <= 0 {
		return Config{}, fmt.Errorf("-scan-cache-ttl must be a duration such as 30s, not %q", *vals["scan-cache-ttl"])
	}
	if c.LabelRefresh, err = time.ParseDuration(*vals["label-refresh"]); err != nil || c.LabelRefresh <= 0 {
		return Config{}, fmt.Errorf("-label-refresh must be a duration such as 10s, not %q", *vals["label-refresh"])
	}
	if c.ProbeWindow, err = time.ParseDuration(*vals["probe-window"]); err != nil || c.ProbeWindow < 0 {
		return Config{}, fmt.Errorf("-probe-window must be a duration such as 10m (0 to keep every probe), not %q", *vals["probe-window"])
	}
	for _, l := range []struct {
		flag string
		to   *Rate
	}{{"scan-limit", &c.Limits.Scans}, {"keyed-scan-limit", &c.Limits.KeyedScans}, {"complaint-limit", &c.Limits.Complaints}, {"keyed-complaint-limit", &c.Limits.KeyedComplaints}} {
		if *l.to, err = ParseRate(*vals[l.flag]); err != nil {
			return Config{}, fmt.Errorf("-%s: %w", l.flag, err)
		}
	}

	for _, d := range []struct {
		flag string
		to   *time.Duration
	}{{"read-header-timeout", &c.Timeouts.ReadHeader}, {"read-timeout", &c.Timeouts.Read}, {"write-timeout", &c.Timeouts.Write}, {"idle-timeout", &c.Timeouts.Idle}} {
		if *d.to, err = time.ParseDuration(*vals[d.flag]); err != nil || *d.to <= 0 {
			return Config{}, fmt.Errorf("-%s must be a duration such as 30s, not %q", d.flag, *vals[d.flag])
		}
	}
	if _, err := fmt.Sscan(*vals["min-rate"], &c.Timeouts.MinRate); err != nil || c.Timeouts.MinRate < 1 {
		return Config{}, fmt.Errorf("-min-rate must be a positive number of bytes a second, not %q", *vals["min-rate"])
	}
	switch c.Ledger {
	case "embedded", "fabric":
	default:
		return Config{}, fmt.Errorf("-ledger must be embedded or fabric, not %q", c.Ledger)
	}
	return c, nil
}

// Scheme is the scheme the service answers on: https with a certificate,
// http without.
func (c Config) Scheme() string {
	if c.TLSCert != "" {
		return "https"
	}
	return "http"
}
