package fabric

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Config says how to reach the custody chaincode through a peer's Gateway.
type Config struct {
	// PeerEndpoint is the peer's host:port; PeerHost the name in its TLS
	// certificate when it differs from the host dialled.
	PeerEndpoint string
	PeerHost     string
	// TLSCA is the PEM file of the CA that signed the peer's TLS certificate.
	TLSCA string
	// MSPID and MSPDir are the client identity: MSPDir holds signcerts/ and
	// keystore/ as cryptogen and fabric-ca write them.
	MSPID  string
	MSPDir string
	// Channel and Chaincode name the custody contract.
	Channel   string
	Chaincode string
	// BatchSize is the most records one transaction carries.
	BatchSize int
	// Timeouts of the Gateway calls.
	EvaluateTimeout, EndorseTimeout, SubmitTimeout, CommitTimeout time.Duration
	// RetryFor bounds how long one transaction is retried on transient
	// errors, which after a restart include Raft re-electing (about 9 s) and
	// gossip rediscovering the other organization's peer.
	RetryFor time.Duration
}

// Variables, as scripts/fabric/up.sh writes them to client.env. A suffix such
// as "_2" selects another organization's settings from the same file.
var envNames = []string{"FABRIC_PEER_ENDPOINT", "FABRIC_PEER_HOST", "FABRIC_TLS_CA", "FABRIC_MSP_ID", "FABRIC_MSP_DIR"}

// LoadEnv reads KEY=VALUE lines from path (when path is not empty), lets
// variables from getenv override them, and returns the configuration for the
// organization selected by suffix ("" for the first).
func LoadEnv(path, suffix string, getenv func(string) string) (Config, error) {
	vals := map[string]string{}
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return Config{}, fmt.Errorf("fabric: settings: %w", err)
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
			return Config{}, fmt.Errorf("fabric: settings %s: %w", path, err)
		}
	}
	get := func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}
	c := Config{
		PeerEndpoint: get("FABRIC_PEER_ENDPOINT" + suffix), PeerHost: get("FABRIC_PEER_HOST" + suffix),
		TLSCA: get("FABRIC_TLS_CA" + suffix), MSPID: get("FABRIC_MSP_ID" + suffix), MSPDir: get("FABRIC_MSP_DIR" + suffix),
		Channel: get("FABRIC_CHANNEL"), Chaincode: get("FABRIC_CHAINCODE"),
	}
	var missing []string
	for _, n := range append(envNames, "FABRIC_CHANNEL", "FABRIC_CHAINCODE") {
		name := n
		if n != "FABRIC_CHANNEL" && n != "FABRIC_CHAINCODE" {
			name += suffix
		}
		if get(name) == "" && n != "FABRIC_PEER_HOST" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return Config{}, fmt.Errorf("fabric: settings missing: %s (run scripts/fabric/up.sh and pass -fabric-env, or set them)", strings.Join(missing, ", "))
	}
	return c.withDefaults(), nil
}

func (c Config) withDefaults() Config {
	if c.BatchSize <= 0 {
		c.BatchSize = 100
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

var errNoKey = errors.New("no key file")
