package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/store/mongo/mongotest"
)

// TestLabelKeysAcrossInstances runs two instances on one FerretDB database
// and the Fabric network (instances sharing a store must share its ledger),
// each with its own data directory, given the same -label-secret: a bottle
// labelled on one scans with a valid signature on the other; a rotation by
// the admin command makes the other sign with the new key without a restart
// while the old labels still verify; a revocation is seen by both; and an
// instance with no secret or another secret is refused with what to do. The
// first instance started with a label-keys.json of its single-instance days
// brings those keys into the store.
func TestLabelKeysAcrossInstances(t *testing.T) {
	needCommand(t, "openssl")
	fabric := fabricEnv(t)
	uri := mongotest.Embedded(t)
	secret := opensslSecret(t)
	db := fmt.Sprintf("keys%d", time.Now().UnixNano())
	shared := []string{"-mongodb-uri", uri, "-mongodb-db", db, "-label-secret", secret, "-label-refresh", "100ms", "-ledger", "fabric", "-fabric-env", fabric}
	dir1, dir2 := t.TempDir(), t.TempDir()
	before, err := label.LoadOrCreate(filepath.Join(dir1, "label-keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	base1, _ := startServeArgs(t, append([]string{"-data", dir1, "-instance", "one"}, shared...)...)
	base2, _ := startServeArgs(t, append([]string{"-data", dir2, "-instance", "two"}, shared...)...)
	if ks := publishedKeys(t, base2); len(ks.Keys) != 1 || ks.Keys[0].ID != before.Active || !ks.Keys[0].Active {
		t.Fatalf("instance two publishes %+v, want the imported key %s", ks.Keys, before.Active)
	}

	keys := demoKeys(t, append([]string{"-data", t.TempDir()}, shared...))
	old := storyShelf(t, base1, keys)
	if got := labelCodes(t, rehost(old, base2)); len(got) > 0 {
		t.Fatalf("a bottle labelled on instance one scans on instance two with %v", got)
	}

	var out bytes.Buffer
	admin := func(args ...string) {
		t.Helper()
		out.Reset()
		args = append(append([]string{"admin", "label-key"}, args...), append([]string{"-data", t.TempDir()}, shared...)...)
		if err := run(context.Background(), args, noenv, &out, io.Discard); err != nil {
			t.Fatalf("%v: %v", args[:3], err)
		}
	}
	admin("rotate")
	m := regexp.MustCompile(`label key (\w+) now signs new labels`).FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "without a restart") {
		t.Fatalf("rotate printed:\n%s", out.String())
	}
	fresh := m[1]
	waitKeys(t, base2, "instance two to sign with "+fresh, func(ks label.KeySet) bool {
		return slices.ContainsFunc(ks.Keys, func(k label.PublicKey) bool { return k.ID == fresh && k.Active })
	})
	signed := storyShelf(t, base2, keys)
	if u, err := url.Parse(signed); err != nil || u.Query().Get("k") != fresh {
		t.Errorf("after the rotation instance two signs %s, want key %s", signed, fresh)
	}
	if got := labelCodes(t, rehost(signed, base1)); len(got) > 0 {
		t.Errorf("a bottle labelled on instance two with the new key scans on instance one with %v", got)
	}
	if got := labelCodes(t, rehost(old, base2)); len(got) > 0 {
		t.Errorf("a bottle labelled before the rotation scans with %v", got)
	}

	admin("revoke", before.Active)
	for _, base := range []string{base1, base2} {
		waitKeys(t, base, "the revocation of "+before.Active, func(ks label.KeySet) bool {
			return slices.ContainsFunc(ks.Keys, func(k label.PublicKey) bool { return k.ID == before.Active && k.Status == label.StatusRevoked })
		})
		if got := labelCodes(t, rehost(old, base)); !slices.Equal(got, []string{"key_revoked"}) {
			t.Errorf("a label of the revoked key scans on %s with %v, want key_revoked", base, got)
		}
	}

	refused := func(want string, args ...string) {
		t.Helper()
		err := run(context.Background(), append([]string{"serve", "-addr", freeAddr(t), "-data", t.TempDir(), "-mongodb-uri", uri, "-mongodb-db", db}, args...), noenv, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("serve %v: %v, want %q", args, err, want)
		}
	}
	refused("the store keeps label keys: give -label-secret")
	other := opensslSecret(t)
	refused("cannot decrypt the keyring in the store (version 3) with the secret in "+other, "-label-secret", other)
}

// opensslSecret makes a label secret file as the README says to.
func opensslSecret(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "label-secret")
	if out, err := exec.Command("openssl", "rand", "-base64", "-out", path, "32").CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	return path
}

// startServeArgs runs "agritrace serve" with args at a free loopback port
// until the test ends, and returns its base URL once it is ready.
func startServeArgs(t *testing.T, args ...string) (base string, stop func()) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, append([]string{"serve", "-addr", addr, "-log-level", "error"}, args...), noenv, io.Discard, io.Discard)
	}()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	t.Cleanup(stop)
	base = "http://" + addr
	waitReady(t, base)
	return base, stop
}

// demoKeys writes the demo's organizations and API keys into the store the
// flags name, as "agritrace demo -url" does.
func demoKeys(t *testing.T, flags []string) map[string]string {
	t.Helper()
	cfg, err := config.Load("test", flags, noenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(context.Background(), cfg, slog.New(slog.DiscardHandler), false)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	keys, err := castKeys(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// storyShelf tells the demo story through base without waiting for the
// ledger and returns the label URL of a bottle on the shelf.
func storyShelf(t *testing.T, base string, keys map[string]string) string {
	t.Helper()
	st, err := demo.Run(context.Background(), base, keys, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return st.ShelfURL
}

// labelCodes scans a label and returns the reasons that judge its label
// itself (its serial, signature and key), leaving out what the ledger or
// the scan pattern say.
func labelCodes(t *testing.T, labelURL string) []string {
	t.Helper()
	status, _, codes := scanned(t, labelURL)
	if status != http.StatusOK {
		t.Fatalf("scan %s: HTTP %d", labelURL, status)
	}
	return slices.DeleteFunc(codes, func(c string) bool {
		return !slices.Contains([]string{"unknown_serial", "copied_label", "no_signature", "bad_signature", "key_revoked", "key_retired"}, c)
	})
}

func publishedKeys(t *testing.T, base string) label.KeySet {
	t.Helper()
	resp, err := http.Get(base + label.KeySetPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ks label.KeySet
	if err := json.NewDecoder(resp.Body).Decode(&ks); err != nil {
		t.Fatal(err)
	}
	return ks
}

// waitKeys polls the key set base publishes until ok holds, with a deadline
// generous enough for a loaded machine.
func waitKeys(t *testing.T, base, what string, ok func(label.KeySet) bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !ok(publishedKeys(t, base)); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain on %s for %s: %+v", base, what, publishedKeys(t, base))
		}
	}
}

// TestLabelSecretStartChecks: an instance on MongoDB that keeps its label
// keys in its own file is warned that other instances will not verify its
// labels; a secret file others could read is made owner-only, with a warning.
func TestLabelSecretStartChecks(t *testing.T) {
	needCommand(t, "openssl")
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	openWith := func(args ...string) {
		t.Helper()
		cfg, err := config.Load("test", append([]string{"-data", t.TempDir()}, args...), noenv, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		a, err := open(context.Background(), cfg, log, false)
		if err != nil {
			t.Fatal(err)
		}
		a.Close()
	}
	openWith("-mongodb-uri", mongotest.Embedded(t), "-mongodb-db", fmt.Sprintf("nosecret%d", time.Now().UnixNano()))
	if !strings.Contains(logged.String(), "give each -label-secret") {
		t.Errorf("no warning for label keys kept apart on MongoDB; log:\n%s", logged.String())
	}

	logged.Reset()
	secret := opensslSecret(t)
	if err := os.Chmod(secret, 0o644); err != nil {
		t.Fatal(err)
	}
	openWith("-label-secret", secret)
	if info, err := os.Stat(secret); err != nil || info.Mode().Perm() != 0o600 || !strings.Contains(logged.String(), "made owner-only") {
		t.Errorf("secret file left %v (%v); log:\n%s", info.Mode().Perm(), err, logged.String())
	}
}
