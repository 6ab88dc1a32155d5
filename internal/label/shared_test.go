package label_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/trace"
)

var bg = context.Background()

// ringStore opens a real store to share rings through; the instances of a
// test are keyrings opened on it.
func ringStore(t testing.TB) trace.Store {
	t.Helper()
	s, err := sqlite.Open(bg, filepath.Join(t.TempDir(), "agritrace.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// secretFile writes a fresh secret in the form the README tells operators
// to make, and loads it.
func secretFile(t testing.TB) (*label.Secret, string) {
	t.Helper()
	raw := make([]byte, label.SecretSize)
	rand.Read(raw)
	path := filepath.Join(t.TempDir(), "label-secret")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(raw)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := label.LoadSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

func openShared(t *testing.T, o label.Shared) *label.Keyring {
	t.Helper()
	kr, err := label.OpenShared(bg, o)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// signs reports whether kr verifies what signer signs for serial now.
func signs(signer, kr *label.Keyring, serial string) bool {
	id, sig := signer.Sign("06901234567892", "L1", serial)
	return kr.Verify(id, "06901234567892", "L1", serial, sig)
}

// TestSharedRing: two instances on one store sign and verify with the same
// keys; a rotation by one verifies on the other at once (the unknown key
// sends it to the store) and signs there after a refresh; a revocation by one
// is seen by the other after a refresh, with no restart.
func TestSharedRing(t *testing.T) {
	st := ringStore(t)
	secret, _ := secretFile(t)
	one := openShared(t, label.Shared{Store: st, Secret: secret})
	two := openShared(t, label.Shared{Store: st, Secret: secret})
	if one.Active != two.Active || one.Version() != 1 || two.Version() != 1 {
		t.Fatalf("instances hold %s v%d and %s v%d", one.Active, one.Version(), two.Active, two.Version())
	}
	if !signs(one, two, "SERIAL000001") || !signs(two, one, "SERIAL000002") {
		t.Fatal("a label signed by one instance does not verify on the other")
	}
	oldID, oldSig := one.Sign("06901234567892", "L1", "SERIALOLD001")

	fresh, err := one.RotateSaved(bg)
	if err != nil {
		t.Fatal(err)
	}
	if !signs(one, two, "SERIAL000003") {
		t.Error("a label signed with the rotated key does not verify on the other instance")
	}
	must(t, two.Refresh(bg))
	if id, _ := two.Sign("06901234567892", "L1", "SERIAL000004"); id != fresh.ID {
		t.Errorf("after a refresh the other instance signs with %s, want %s", id, fresh.ID)
	}
	if !two.Verify(oldID, "06901234567892", "L1", "SERIALOLD001", oldSig) {
		t.Error("a label signed before the rotation no longer verifies")
	}

	must(t, one.Update(bg, func(next *label.Keyring) error { return next.Revoke(oldID, time.Now()) }))
	must(t, two.Refresh(bg))
	if _, revoked := two.KeyDates(oldID); revoked.IsZero() {
		t.Error("the revocation is not seen by the other instance after a refresh")
	}
	if ks := two.Public(); len(ks.Keys) != 2 || ks.Keys[0].Status != label.StatusRevoked || ks.Keys[1].Status != label.StatusActive {
		t.Errorf("published key set = %+v", ks.Keys)
	}
}

// TestSharedWatch: a watching instance picks up a rotation by itself.
func TestSharedWatch(t *testing.T) {
	st := ringStore(t)
	secret, _ := secretFile(t)
	one := openShared(t, label.Shared{Store: st, Secret: secret})
	two := openShared(t, label.Shared{Store: st, Secret: secret})
	ctx, cancel := context.WithCancel(bg)
	done := make(chan struct{})
	go func() { two.Watch(ctx, 20*time.Millisecond); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	fresh, err := one.RotateSaved(bg)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if id, _ := two.Sign("06901234567892", "L1", "SERIAL000001"); id == fresh.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the watching instance never signed with the rotated key")
		}
	}
}

// TestSharedConcurrentUpdates: instances rotating at once lose no key, since
// each version is written once and a loser applies its change again.
func TestSharedConcurrentUpdates(t *testing.T) {
	st := ringStore(t)
	secret, _ := secretFile(t)
	const instances, rotations = 3, 3
	rings := make([]*label.Keyring, instances)
	for i := range rings {
		rings[i] = openShared(t, label.Shared{Store: st, Secret: secret})
	}
	var wg sync.WaitGroup
	for _, kr := range rings {
		wg.Go(func() {
			for range rotations {
				if _, err := kr.RotateSaved(bg); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for i, kr := range rings {
		must(t, kr.Refresh(bg))
		if n := len(kr.Public().Keys); n != 1+instances*rotations || kr.Version() != 1+instances*rotations {
			t.Errorf("instance %d holds %d keys at version %d, want %d", i, n, kr.Version(), 1+instances*rotations)
		}
	}
}

// TestSharedFirstStart: instances with a secret starting together on a
// store without keys end with one ring, holding the keys of each one's own
// keyring file, so every label any of them printed verifies on all.
func TestSharedFirstStart(t *testing.T) {
	st := ringStore(t)
	secret, _ := secretFile(t)
	const instances = 4
	files := make([]*label.Keyring, instances)
	paths := make([]string, instances)
	for i := range files {
		paths[i] = filepath.Join(t.TempDir(), "label-keys.json")
		var err error
		if files[i], err = label.LoadOrCreate(paths[i]); err != nil {
			t.Fatal(err)
		}
	}
	rings := make([]*label.Keyring, instances)
	var wg sync.WaitGroup
	for i := range rings {
		wg.Go(func() {
			var err error
			if rings[i], err = label.OpenShared(bg, label.Shared{Store: st, Secret: secret, Import: paths[i]}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for i, kr := range rings {
		must(t, kr.Refresh(bg))
		if kr.Active != rings[0].Active || len(kr.Public().Keys) != instances {
			t.Errorf("instance %d signs with %s among %d keys; instance 0 with %s", i, kr.Active, len(kr.Public().Keys), rings[0].Active)
		}
		for j, file := range files {
			if !signs(file, kr, "SERIALPRINTED") {
				t.Errorf("a label printed with instance %d's file does not verify on instance %d", j, i)
			}
		}
	}
	// The winner's file key signs; the others' only verify.
	if winner := rings[0].Active; !strings.Contains(strings.Join(activeOf(files), " "), winner) {
		t.Errorf("the shared ring signs with %s, none of the files' active keys %v", winner, activeOf(files))
	}
}

func activeOf(rings []*label.Keyring) []string {
	var ids []string
	for _, kr := range rings {
		ids = append(ids, kr.Active)
	}
	return ids
}

// countingStore counts the reads of the ring that reach the store.
type countingStore struct {
	trace.Store
	reads atomic.Int64
}

func (c *countingStore) LabelKeyring(ctx context.Context) (trace.SealedKeyring, error) {
	c.reads.Add(1)
	return c.Store.LabelKeyring(ctx)
}

// TestSharedUnknownKeysRateLimited: labels naming keys nobody has cannot
// make every scan read the store.
func TestSharedUnknownKeysRateLimited(t *testing.T) {
	st := &countingStore{Store: ringStore(t)}
	secret, _ := secretFile(t)
	kr := openShared(t, label.Shared{Store: st, Secret: secret, MissGap: time.Hour})
	before := st.reads.Load()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if kr.Verify("0000000"+string(rune('a'+i%6)), "06901234567892", "L1", "SERIAL000001", "AAAA") {
				t.Error("a forged key id verified")
			}
		})
	}
	wg.Wait()
	if n := st.reads.Load() - before; n != 1 {
		t.Errorf("50 labels naming unknown keys read the store %d times, want 1", n)
	}
}

// TestSharedSecrets: a ring sealed under one secret does not open under
// another, and a secret file that is not 32 base64 bytes is refused; both
// say what to do. The secret is made with openssl, as the README says.
func TestSharedSecrets(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is missing; scripts/test.sh installs it")
		}
		t.Skip("openssl is missing")
	}
	dir := t.TempDir()
	made := filepath.Join(dir, "label-secret")
	out, err := exec.Command("openssl", "rand", "-base64", "-out", made, "32").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	right, err := label.LoadSecret(made)
	if err != nil {
		t.Fatalf("the secret openssl made: %v", err)
	}
	st := ringStore(t)
	openShared(t, label.Shared{Store: st, Secret: right})
	wrong, wrongPath := secretFile(t)
	_, err = label.OpenShared(bg, label.Shared{Store: st, Secret: wrong})
	if err == nil || !strings.Contains(err.Error(), "cannot decrypt") || !strings.Contains(err.Error(), wrongPath) {
		t.Errorf("opening with the wrong secret: %v", err)
	}

	short := filepath.Join(dir, "short")
	if err := os.WriteFile(short, []byte(base64.StdEncoding.EncodeToString([]byte("too short"))), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{short, filepath.Join(dir, "missing")} {
		if _, err := label.LoadSecret(path); err == nil || !strings.Contains(err.Error(), "label secret") {
			t.Errorf("LoadSecret(%s) = %v", filepath.Base(path), err)
		}
	}
	if _, err := label.LoadSecret(short); err == nil || !strings.Contains(err.Error(), "openssl rand -base64 32") {
		t.Errorf("a short secret is refused with %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
