package label_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/label"
)

// link signs a label with kr and returns it parsed, as a scanner would read it.
func link(t testing.TB, kr *label.Keyring, lot, serial string) label.Link {
	t.Helper()
	kid, sig := kr.Sign("06901234500592", lot, serial)
	return label.Link{GTIN: "06901234500592", Lot: lot, Serial: serial, KeyID: kid, Signature: sig}
}

func writeJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "label-keys.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestKeySetVerify(t *testing.T) {
	current, retired, forger := label.NewKeyring(), label.NewKeyring(), label.NewKeyring()
	// A key set after one rotation: labels of the retired key still verify.
	published := current.Public()
	old := retired.Public().Keys[0]
	old.Active = false
	published.Keys = append(published.Keys, old)
	ks, err := label.LoadKeySet(writeJSON(t, published))
	if err != nil {
		t.Fatal(err)
	}

	genuine := link(t, current, "B1129ab", "7K3M9QX2HD4P")
	forged := link(t, forger, "B1129ab", "7K3M9QX2HD4P")
	forged.KeyID = genuine.KeyID // the forger claims the real key
	tests := []struct {
		name string
		link label.Link
		want error
	}{
		{"genuine", genuine, nil},
		{"retired key", link(t, retired, "B0815cd", "A1B2C3D4E5F6"), nil},
		{"lot with a space", link(t, current, "B 1/2", "A1B2C3D4E5F6"), nil},
		{"no signature", label.Link{GTIN: genuine.GTIN, Lot: genuine.Lot, Serial: genuine.Serial, KeyID: genuine.KeyID}, label.ErrNoSignature},
		{"no key id", with(genuine, func(l *label.Link) { l.KeyID = "" }), label.ErrUnknownKey},
		{"unknown key id", with(genuine, func(l *label.Link) { l.KeyID = "deadbeef" }), label.ErrUnknownKey},
		{"forger's own key", link(t, forger, "B1129ab", "7K3M9QX2HD4P"), label.ErrUnknownKey},
		{"not base64url", with(genuine, func(l *label.Link) { l.Signature = "!!not*base64" }), label.ErrMalformedSignature},
		{"standard base64 padding", with(genuine, func(l *label.Link) { l.Signature += "==" }), label.ErrMalformedSignature},
		{"too short", with(genuine, func(l *label.Link) { l.Signature = l.Signature[:40] }), label.ErrMalformedSignature},
		{"forged with the real key id", forged, label.ErrSignatureMismatch},
		{"other serial", with(genuine, func(l *label.Link) { l.Serial = "7K3M9QX2HD4Q" }), label.ErrSignatureMismatch},
		{"other lot", with(genuine, func(l *label.Link) { l.Lot = "B1129ac" }), label.ErrSignatureMismatch},
		{"other product", with(genuine, func(l *label.Link) { l.GTIN = "06901234500608" }), label.ErrSignatureMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ks.Verify(tt.link)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func with(l label.Link, f func(*label.Link)) label.Link {
	f(&l)
	return l
}

// TestKeySetErrorsAreDistinct keeps the four verdicts apart in words too, since
// people read them, not error values.
func TestKeySetErrorsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, err := range []error{label.ErrNoSignature, label.ErrUnknownKey, label.ErrMalformedSignature, label.ErrSignatureMismatch} {
		if seen[err.Error()] || err.Error() == "" {
			t.Errorf("error %q is not distinct", err)
		}
		seen[err.Error()] = true
	}
}

func TestLoadKeySetRefuses(t *testing.T) {
	kr := label.NewKeyring()
	good := kr.Public().Keys[0]
	other := label.NewKeyring().Public().Keys[0]
	privatePath := filepath.Join(t.TempDir(), "label-keys.json")
	if _, err := label.LoadOrCreate(privatePath); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, want string
	}{
		{"missing file", filepath.Join(t.TempDir(), "nope.json"), "no such file"},
		{"not JSON", writeJSON(t, "keys"), "not a label key set"},
		{"no keys", writeJSON(t, label.KeySet{}), "no keys"},
		{"short key", writeJSON(t, label.KeySet{Keys: []label.PublicKey{{ID: good.ID, Algorithm: "Ed25519", Key: good.Key[:20]}}}), "not an Ed25519 public key"},
		{"id of another key", writeJSON(t, label.KeySet{Keys: []label.PublicKey{{ID: good.ID, Algorithm: "Ed25519", Key: other.Key}}}), "does not match its key"},
		{"other algorithm", writeJSON(t, label.KeySet{Keys: []label.PublicKey{{ID: good.ID, Algorithm: "RS256", Key: good.Key}}}), "want Ed25519"},
		{"the private keyring", privatePath, "private keyring"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := label.LoadKeySet(tt.path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("LoadKeySet = %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestFetchAndSaveKeySet(t *testing.T) {
	kr := label.NewKeyring()
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+label.KeySetPath, func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(kr.Public())
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx := context.Background()

	ks, err := label.FetchKeySet(ctx, srv.URL+"/", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := label.SaveKeySet(path, ks); err != nil {
		t.Fatal(err)
	}
	saved, err := label.LoadKeySet(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := saved.Verify(link(t, kr, "B1", "A1B2C3D4E5F6")); err != nil {
		t.Errorf("a label verifies against the fetched keys: %v", err)
	}

	if _, err := label.FetchKeySet(ctx, srv.URL+"/elsewhere", srv.Client()); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("fetch from a path with no keys: %v", err)
	}
	srv.Close()
	if _, err := label.FetchKeySet(ctx, srv.URL, srv.Client()); err == nil {
		t.Error("fetch from a closed server succeeded")
	}
}
