package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
)

// TestLabelKeyRetireAndRevoke: a service still running with a retired key
// (a stale copy of the keyring, or a stolen key) signs units that fail as
// key_retired once the retirement is loaded, while labels printed before it
// stay genuine; revoking the key turns every label it signed not genuine,
// online and offline.
func TestLabelKeyRetireAndRevoke(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	admin := func(args ...string) {
		t.Helper()
		out.Reset()
		if err := run(context.Background(), append([]string{"admin", "label-key"}, args...), noenv, &out, io.Discard); err != nil {
			t.Fatalf("admin label-key %v: %v", args, err)
		}
	}
	base, stop := startServe(t, dir)
	before := tellDemo(t, base, dir, &out)
	old := before.Query().Get("k")
	err := run(context.Background(), []string{"admin", "label-key", "retire", old, "-data", dir}, noenv, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "rotate first") {
		t.Errorf("retiring the active key: %v", err)
	}
	admin("rotate", "-data", dir)
	admin("retire", old, "-data", dir)
	if !strings.Contains(out.String(), old+"  Ed25519  retired 20") {
		t.Errorf("retire printed:\n%s", out.String())
	}
	// The running service has not reloaded its keys and still signs with the old one.
	after := tellDemo(t, base, dir, &out)
	if after.Query().Get("k") != old {
		t.Fatalf("the running service signed with %s, want the retired %s", after.Query().Get("k"), old)
	}
	stop()
	base, stop = startServe(t, dir)
	rehost := func(u *url.URL) string {
		c := *u
		c.Host = strings.TrimPrefix(base, "http://")
		return c.String()
	}
	if got := scanVerdictReason(t, rehost(before)); got != "genuine" {
		t.Errorf("label printed before the retirement scans %s", got)
	}
	if got := scanVerdictReason(t, rehost(after)); got != "not_genuine key_retired" {
		t.Errorf("label signed with the retired key after its retirement scans %s", got)
	}
	keys := filepath.Join(t.TempDir(), "label-keys.json")
	if _, err := verifyLabelCmd(t, "-save-keys", keys, "-from", base); err != nil {
		t.Fatal(err)
	}
	ks, err := label.LoadKeySet(keys)
	if err != nil || len(ks.Keys) != 2 || ks.Keys[0].Status != label.StatusRetired || ks.Keys[0].RetiredAt.IsZero() || ks.Keys[0].CreatedAt.IsZero() || ks.Keys[1].Status != label.StatusActive {
		t.Errorf("published key set = %+v, %v", ks.Keys, err)
	}
	o, _ := verifyLabelCmd(t, rehost(before), "-keys", keys, "-offline")
	mustContain(t, o, "Offline   signature valid", "was retired on")

	stop()
	admin("revoke", old, "-data", dir)
	base, _ = startServe(t, dir)
	if got := scanVerdictReason(t, rehost(before)); got != "not_genuine key_revoked" {
		t.Errorf("label signed with a revoked key scans %s", got)
	}
	if _, err := verifyLabelCmd(t, "-save-keys", keys, "-from", base); err != nil {
		t.Fatal(err)
	}
	o, err = verifyLabelCmd(t, rehost(before), "-keys", keys, "-offline", "-json")
	var rep labelReport
	if jerr := json.Unmarshal([]byte(o), &rep); err == nil || jerr != nil || rep.Offline.Code != "key_revoked" {
		t.Errorf("offline check of a revoked key's label: %v, %+v", err, rep.Offline)
	}
}

// scanVerdictReason scans a label URL and returns the verdict and the first
// reason's code.
func scanVerdictReason(t *testing.T, labelURL string) string {
	t.Helper()
	_, verdict, codes := scanned(t, labelURL)
	if len(codes) == 0 {
		return verdict
	}
	return verdict + " " + codes[0]
}
