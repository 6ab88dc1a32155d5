package config_test

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/config"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"AGRITRACE_ADDR": "127.0.0.1:9000", "AGRITRACE_LEDGER": "embedded"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name    string
		args    []string
		check   func(config.Config) bool
		wantErr bool
	}{
		{"defaults and env", nil, func(c config.Config) bool {
			return c.Addr == "127.0.0.1:9000" && c.PublicURL == "http://127.0.0.1:9000" && c.DataDir == "./agritrace-data" &&
				c.LabelKeys == "agritrace-data/label-keys.json" && c.AnchorBatch == 2000 && c.IPDB == "" && c.PrintKeep == 24*time.Hour
		}, false},
		{"ip database", []string{"-ip-db", "/var/lib/ip2region.db"}, func(c config.Config) bool { return c.IPDB == "/var/lib/ip2region.db" }, false},
		{"flag beats env", []string{"-addr", ":1", "-public-url", "https://trace.example.cn/"}, func(c config.Config) bool {
			return c.Addr == ":1" && c.PublicURL == "https://trace.example.cn"
		}, false},
		{"bad ledger", []string{"-ledger", "paper"}, nil, true},
		{"bad batch", []string{"-anchor-batch", "0"}, nil, true},
		{"bad duration", []string{"-anchor-idle", "soon"}, nil, true},
		{"bad level", []string{"-log-level", "loud"}, nil, true},
		{"stray argument", []string{"extra"}, nil, true},
		{"trusted proxies", []string{"-trusted-proxies", "10.0.0.0/8, 192.168.1.1"}, func(c config.Config) bool { return len(c.TrustedProxies) == 2 }, false},
		{"bad proxy", []string{"-trusted-proxies", "lb.example"}, nil, true},
		{"print keep", []string{"-print-keep", "2h"}, func(c config.Config) bool { return c.PrintKeep == 2*time.Hour }, false},
		{"bad print keep", []string{"-print-keep", "0s"}, nil, true},
		{"scan cache ttl", []string{"-scan-cache-ttl", "5s"}, func(c config.Config) bool { return c.ScanCacheTTL == 5*time.Second }, false},
		{"bad scan cache ttl", []string{"-scan-cache-ttl", "never"}, nil, true},
		{"probe window", nil, func(c config.Config) bool { return c.ProbeWindow == 10*time.Minute }, false},
		{"no probe window", []string{"-probe-window", "0"}, func(c config.Config) bool { return c.ProbeWindow == 0 }, false},
		{"bad probe window", []string{"-probe-window", "-1s"}, nil, true},
		{"default limits", nil, func(c config.Config) bool { return c.Limits == config.DefaultLimits }, false},
		{"scan limit", []string{"-scan-limit", "3/1s", "-keyed-complaint-limit", "10/24h"}, func(c config.Config) bool {
			return c.Limits.Scans == config.Rate{N: 3, Per: time.Second} && c.Limits.KeyedComplaints == config.Rate{N: 10, Per: 24 * time.Hour}
		}, false},
		{"bad limit count", []string{"-complaint-limit", "0/1h"}, nil, true},
		{"bad limit period", []string{"-keyed-scan-limit", "60"}, nil, true},
		{"label keys in the file", nil, func(c config.Config) bool { return c.LabelSecret == "" && c.LabelRefresh == 10*time.Second }, false},
		{"label keys in the store", []string{"-label-secret", "/run/secrets/label", "-label-refresh", "1m"}, func(c config.Config) bool {
			return c.LabelSecret == "/run/secrets/label" && c.LabelRefresh == time.Minute
		}, false},
		{"bad label refresh", []string{"-label-refresh", "0s"}, nil, true},

		{"tls", []string{"-tls-cert", "c.pem", "-tls-key", "k.pem"}, func(c config.Config) bool {
			return c.TLSCert == "c.pem" && c.TLSKey == "k.pem" && c.PublicURL == "https://127.0.0.1:9000"
		}, false},
		{"tls cert without key", []string{"-tls-cert", "c.pem"}, nil, true},
		{"tls key without cert", []string{"-tls-key", "k.pem"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load("test", tt.args, getenv, io.Discard)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && !tt.check(c) {
				t.Errorf("config = %+v", c)
			}
		})
	}
}

// TestREADMEDocumentsEverySetting keeps the README's configuration table and
// the flags in step.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings {
		row := "| `-" + s.Flag + "` | `" + s.Env + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README lacks the row for -%s ($%s)", s.Flag, s.Env)
		}
	}
}
