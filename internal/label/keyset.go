package label

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Why a label fails offline verification. Each names one thing a person
// holding the bottle can act on, so callers tell them apart with errors.Is.
var (
	ErrNoSignature        = errors.New("the label carries no signature")
	ErrUnknownKey         = errors.New("the label names a key that is not in the key set")
	ErrMalformedSignature = errors.New("the label signature is malformed")
	ErrSignatureMismatch  = errors.New("the signature does not match the label: it was forged or altered")
	ErrKeyRevoked         = errors.New("the label's signing key was revoked: no label it signed can be trusted")
)

// KeySetPath is where a service publishes its label public keys.
const KeySetPath = "/.well-known/agritrace/label-keys.json"

// maxKeySet bounds what is read from a key set file or answer: a few keys take
// a few hundred bytes.
const maxKeySet = 1 << 20

// LoadKeySet reads a key set saved from a service's well-known URL.
func LoadKeySet(path string) (KeySet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return KeySet{}, fmt.Errorf("label key set: %w", err)
	}
	ks, err := parseKeySet(b)
	if err != nil {
		return KeySet{}, fmt.Errorf("label key set %s: %w", path, err)
	}
	return ks, nil
}

// SaveKeySet writes ks to path, replacing it whole or not at all.
func SaveKeySet(path string, ks KeySet) error {
	b, err := json.MarshalIndent(ks, "", "  ")
	if err != nil {
		return fmt.Errorf("label key set: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".label-keys-*.json")
	if err != nil {
		return fmt.Errorf("label key set: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		// Public keys: readable by anyone, like the URL they came from.
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("label key set: %w", err)
	}
	return nil
}

// FetchKeySet downloads the key set that the service at baseURL publishes.
// Fetch it from a base URL you trust, not from the host a label names: a
// forger's host would publish the forger's keys.
func FetchKeySet(ctx context.Context, baseURL string, client *http.Client) (KeySet, error) {
	if client == nil {
		client = http.DefaultClient
	}
	u := strings.TrimRight(baseURL, "/") + KeySetPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return KeySet{}, fmt.Errorf("label key set: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return KeySet{}, fmt.Errorf("label key set: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxKeySet))
	if err != nil {
		return KeySet{}, fmt.Errorf("label key set: GET %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return KeySet{}, fmt.Errorf("label key set: GET %s: %s", u, resp.Status)
	}
	ks, err := parseKeySet(b)
	if err != nil {
		return KeySet{}, fmt.Errorf("label key set: GET %s: %w", u, err)
	}
	return ks, nil
}

// parseKeySet decodes and checks a key set, so that a damaged file fails when
// loaded rather than as a forged label later.
func parseKeySet(b []byte) (KeySet, error) {
	var ks KeySet
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&ks); err != nil {
		return KeySet{}, fmt.Errorf("not a label key set: %w", err)
	}
	if len(ks.Keys) == 0 {
		return KeySet{}, errors.New("no keys in the key set")
	}
	for i, k := range ks.Keys {
		if _, err := k.publicKey(); err != nil {
			return KeySet{}, fmt.Errorf("key %d: %w", i, err)
		}
	}
	return ks, nil
}

// publicKey decodes k and checks that its id is the one KeyID derives, so a
// key set cannot pass off one key under another's name.
func (k PublicKey) publicKey() (ed25519.PublicKey, error) {
	if k.Algorithm != "Ed25519" {
		return nil, fmt.Errorf("algorithm %q, want Ed25519 (is this the private keyring instead of the published key set?)", k.Algorithm)
	}
	raw, err := base64.RawURLEncoding.DecodeString(k.Key)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("key %q is not an Ed25519 public key", k.ID)
	}
	pub := ed25519.PublicKey(raw)
	if id := KeyID(pub); id != k.ID {
		return nil, fmt.Errorf("key id %q does not match its key (%s)", k.ID, id)
	}
	return pub, nil
}

// Verify checks link's signature with the key it names, without any network.
// It returns an error wrapping ErrNoSignature, ErrUnknownKey,
// ErrMalformedSignature, ErrSignatureMismatch or ErrKeyRevoked when the
// label fails. A retired key still verifies: whether the unit was made before
// the retirement only the service knows (see Retired).
func (ks KeySet) Verify(link Link) error {
	if link.Signature == "" {
		return ErrNoSignature
	}
	var pub ed25519.PublicKey
	revoked := false
	for _, k := range ks.Keys {
		if k.ID == link.KeyID && link.KeyID != "" {
			var err error
			if pub, err = k.publicKey(); err != nil {
				return fmt.Errorf("label key set: %w", err)
			}
			revoked = k.Status == StatusRevoked || !k.RevokedAt.IsZero()
			break
		}
	}
	if pub == nil {
		if link.KeyID == "" {
			return fmt.Errorf("%w (the label names no key)", ErrUnknownKey)
		}
		return fmt.Errorf("%w (key %q)", ErrUnknownKey, link.KeyID)
	}
	sig, err := signatureEncoding.DecodeString(link.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return ErrMalformedSignature
	}
	if !ed25519.Verify(pub, Message(link.GTIN, link.Lot, link.Serial), sig) {
		return ErrSignatureMismatch
	}
	if revoked {
		return fmt.Errorf("%w (key %s)", ErrKeyRevoked, link.KeyID)
	}
	return nil
}

// Retired returns when the key a label names was retired, zero if it was not.
func (ks KeySet) Retired(keyID string) time.Time {
	for _, k := range ks.Keys {
		if k.ID == keyID {
			return k.RetiredAt
		}
	}
	return time.Time{}
}
