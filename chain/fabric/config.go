package fabric

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config says how to reach the custody chaincode through a peer's Gateway.
// LoadEnv fills it from the variables named in brackets.
type Config struct {
	// PeerEndpoint is the peer's Gateway as host:port [FABRIC_PEER_ENDPOINT].
	PeerEndpoint string
	// PeerHost is the name in the peer's TLS certificate, when it differs
	// from the host dialled [FABRIC_PEER_HOST].
	PeerHost string
	// TLSCA is the PEM file of the CA that signed the peer's TLS
	// certificate [FABRIC_TLS_CA].
	TLSCA string
	// MSPID is the client's organization [FABRIC_MSP_ID].
	MSPID string
	// MSPDir is the client's MSP directory, holding signcerts/ and keystore/
	// as cryptogen and fabric-ca write them [FABRIC_MSP_DIR]. CertPath and
	// KeyPath, when set, name the PEM certificate and private key directly
	// instead [FABRIC_CERT, FABRIC_KEY].
	MSPDir            string
	CertPath, KeyPath string
	// Channel and Chaincode name the custody contract [FABRIC_CHANNEL,
	// FABRIC_CHAINCODE].
	Channel, Chaincode string
	// BatchSize is the most records one transaction carries (default 100)
	// [FABRIC_BATCH_SIZE].
	BatchSize int
	// Parallel is the most transactions Anchor keeps in flight at once
	// (default 32; keep it above the orderer's MaxMessageCount, 20 on the
	// local network, so blocks fill instead of waiting out BatchTimeout);
	// transactions holding the same chain never overlap
	// [FABRIC_PARALLEL].
	Parallel int
	// Timeouts of each Gateway call, as Go durations such as "5s"
	// [FABRIC_EVALUATE_TIMEOUT (5s), FABRIC_ENDORSE_TIMEOUT (15s),
	// FABRIC_SUBMIT_TIMEOUT (5s), FABRIC_COMMIT_TIMEOUT (1m)].
	EvaluateTimeout, EndorseTimeout, SubmitTimeout, CommitTimeout time.Duration
	// RetryFor bounds how long one transaction is retried on transient
	// errors (default 30s), which after a restart include Raft re-electing
	// (about 9 s) and gossip rediscovering the other organization's peer
	// [FABRIC_RETRY_FOR]. A gap is retried for at most 5 s of it.
	RetryFor time.Duration
	// Endorsers are the organizations whose peers endorse every
	// transaction, asked all at once; empty leaves the choice to the
	// Gateway, which asks its own organization's peer first and the
	// others only after it answers [FABRIC_ENDORSERS, MSP ids separated
	// by spaces]. Name the organizations the endorsement policy needs.
	Endorsers []string
}

// Per-organization variables; a suffix such as "_2" selects another
// organization's peer and identity from the same file (up.sh writes the
// regulator's that way).
var orgVars = []string{"FABRIC_PEER_ENDPOINT", "FABRIC_PEER_HOST", "FABRIC_TLS_CA", "FABRIC_MSP_ID", "FABRIC_MSP_DIR", "FABRIC_CERT", "FABRIC_KEY"}

// LoadEnv reads KEY=VALUE lines from path (when path is not empty), lets
// variables from getenv override them, and returns the configuration for the
// organization selected by suffix ("" for the first, "_2" for the second).
func LoadEnv(path, suffix string, getenv func(string) string) (Config, error) {
	vals, err := readEnv(path)
	if err != nil {
		return Config{}, err
	}
	return loadEnv(vals, suffix, getenv)
}

// loadEnv is LoadEnv on a settings file already read.
func loadEnv(vals map[string]string, suffix string, getenv func(string) string) (Config, error) {
	get := func(k string) string {
		for _, o := range orgVars {
			if k == o {
				k += suffix
			}
		}
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}
	c := Config{
		PeerEndpoint: get("FABRIC_PEER_ENDPOINT"), PeerHost: get("FABRIC_PEER_HOST"), TLSCA: get("FABRIC_TLS_CA"),
		MSPID: get("FABRIC_MSP_ID"), MSPDir: get("FABRIC_MSP_DIR"), CertPath: get("FABRIC_CERT"), KeyPath: get("FABRIC_KEY"),
		Channel: get("FABRIC_CHANNEL"), Chaincode: get("FABRIC_CHAINCODE"),
		Endorsers: strings.Fields(strings.ReplaceAll(get("FABRIC_ENDORSERS"), ",", " ")),
	}
	var missing, bad []string
	need := func(name, v string) {
		if v == "" {
			missing = append(missing, name)
		}
	}
	need("FABRIC_PEER_ENDPOINT"+suffix, c.PeerEndpoint)
	need("FABRIC_TLS_CA"+suffix, c.TLSCA)
	need("FABRIC_MSP_ID"+suffix, c.MSPID)
	if c.CertPath == "" || c.KeyPath == "" {
		need("FABRIC_MSP_DIR"+suffix+" (or FABRIC_CERT"+suffix+" and FABRIC_KEY"+suffix+")", c.MSPDir)
	}
	need("FABRIC_CHANNEL", c.Channel)
	need("FABRIC_CHAINCODE", c.Chaincode)
	for name, p := range map[string]*int{"FABRIC_BATCH_SIZE": &c.BatchSize, "FABRIC_PARALLEL": &c.Parallel} {
		if v := get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				bad = append(bad, name+"="+v)
			}
			*p = n
		}
	}
	for name, p := range map[string]*time.Duration{
		"FABRIC_EVALUATE_TIMEOUT": &c.EvaluateTimeout, "FABRIC_ENDORSE_TIMEOUT": &c.EndorseTimeout,
		"FABRIC_SUBMIT_TIMEOUT": &c.SubmitTimeout, "FABRIC_COMMIT_TIMEOUT": &c.CommitTimeout, "FABRIC_RETRY_FOR": &c.RetryFor,
	} {
		if v := get(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				bad = append(bad, name+"="+v)
			}
			*p = d
		}
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("fabric: settings missing: %s (run scripts/fabric/up.sh and pass its client.env, or set them)", strings.Join(missing, ", "))
	}
	if len(bad) > 0 {
		return Config{}, fmt.Errorf("fabric: bad settings: %s (want a positive number or a duration such as 5s)", strings.Join(bad, ", "))
	}
	return c.withDefaults(), nil
}

func (c Config) withDefaults() Config {
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.Parallel <= 0 {
		c.Parallel = 32
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.EvaluateTimeout, 5*time.Second)
	def(&c.EndorseTimeout, 15*time.Second)
	def(&c.SubmitTimeout, 5*time.Second)
	def(&c.CommitTimeout, time.Minute)
	def(&c.RetryFor, 30*time.Second)
	return c
}

// readEnv reads the KEY=VALUE lines of a settings file; none when path is
// empty.
func readEnv(path string) (map[string]string, error) {
	vals := map[string]string{}
	if path == "" {
		return vals, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("fabric: settings: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			vals[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("fabric: settings %s: %w", path, err)
	}
	return vals, nil
}
