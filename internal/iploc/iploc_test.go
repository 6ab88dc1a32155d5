package iploc_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/iploc"
)

func openTestDB(t *testing.T) *iploc.DB {
	t.Helper()
	path := os.Getenv("AGRITRACE_TEST_IPDB")
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("AGRITRACE_TEST_IPDB is not set; scripts/test.sh fetches the ip2region database")
		}
		t.Skip("AGRITRACE_TEST_IPDB not set (scripts/test.sh fetches the ip2region database)")
	}
	db, err := iploc.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestLookup(t *testing.T) {
	db := openTestDB(t)
	tests := []struct {
		addr, province, city, region string
	}{
		{"27.21.0.1", "湖北省", "宜昌市", "420500"},
		{"27.20.0.1", "湖北省", "荆州市", "421000"},
		{"1.2.2.1", "北京", "北京市", "110000"},
		{"1.185.0.1", "广西", "南宁市", "450000"},
		{"::ffff:27.21.0.1", "湖北省", "宜昌市", "420500"},
	}
	for _, tt := range tests {
		p, ok := db.Lookup(netip.MustParseAddr(tt.addr))
		if !ok || p.Country != "中国" || p.Province != tt.province || p.City != tt.city {
			t.Errorf("Lookup(%s) = %+v, %v", tt.addr, p, ok)
		}
		if got := db.Region(tt.addr); got != tt.region {
			t.Errorf("Region(%s) = %q, want %q", tt.addr, got, tt.region)
		}
	}
	for _, addr := range []string{"8.8.8.8", "2001:db8::1", "not an address", ""} {
		if got := db.Region(addr); got != "" {
			t.Errorf("Region(%q) = %q, want none (outside China or not an IPv4 address)", addr, got)
		}
	}
}

func TestOpenRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"short":   "abc",
		"v2.xdb":  strings.Repeat("\xff", 64),
		"swapped": "\x20\x00\x00\x00\x08\x00\x00\x00" + strings.Repeat("\x00", 40),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := iploc.Open(path); err == nil {
			t.Errorf("Open(%s) accepted a file that is not an ip2region v1 database", name)
		}
	}
	if _, err := iploc.Open(filepath.Join(dir, "absent")); err == nil {
		t.Error("Open of a missing file succeeded")
	}
}
