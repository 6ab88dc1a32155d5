// Package label makes and checks unit labels: unguessable serials, Ed25519
// signatures over a unit's GS1 Digital Link identity, the Digital Link URL a QR
// code carries, and the QR code itself as PNG or SVG.
package label

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Key is one signing key. Keys are kept after rotation so older labels still verify.
type Key struct {
	ID        string    `json:"id"`
	Seed      []byte    `json:"seed"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// RetiredAt is when the key stopped signing: a label it signed for a
	// unit made later was not issued by the service.
	RetiredAt time.Time `json:"retiredAt,omitzero"`
	// RevokedAt is when the key was declared compromised: no label it signed
	// is trusted any more.
	RevokedAt time.Time `json:"revokedAt,omitzero"`
	pub       ed25519.PublicKey
	priv      ed25519.PrivateKey
}

// Keyring holds the signing keys; the active one signs new labels.
type Keyring struct {
	mu     sync.RWMutex
	Active string `json:"active"`
	Keys   []*Key `json:"keys"`
	// path is the file the ring was loaded from, where Update keeps it.
	path string
	// shared is the store a ring kept for several instances is read from and
	// written to (see OpenShared); nil for a ring kept in a file.
	shared *shared
	// version is the store's version of the ring held, 0 for a file's.
	version int64
}

var _ trace.LabelSigner = (*Keyring)(nil)

// KeyID names a public key by the first 4 bytes of its SHA-256: short enough
// to ride in every QR code, long enough to tell a few keys apart.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:4])
}

func newKey(seed []byte) *Key {
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return &Key{ID: KeyID(pub), Seed: seed, pub: pub, priv: priv}
}

// freshKey makes a key from a new random seed.
func freshKey() *Key {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		panic(err)
	}
	k := newKey(seed)
	k.CreatedAt = time.Now().UTC().Truncate(time.Second)
	return k
}

// NewKeyring returns a keyring with one fresh key.
func NewKeyring() *Keyring {
	k := freshKey()
	return &Keyring{Active: k.ID, Keys: []*Key{k}}
}

// LoadOrCreate reads the keyring at path, creating it (mode 0600) when absent.
func LoadOrCreate(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		kr := NewKeyring()
		if err := kr.Save(path); err != nil {
			return nil, err
		}
		kr.path = path
		return kr, nil
	}
	if err != nil {
		return nil, fmt.Errorf("label keys: %w", err)
	}
	kr, err := parseRing(b)
	if err != nil {
		return nil, fmt.Errorf("label keys: %s: %w", path, err)
	}
	kr.path = path
	return kr, nil
}

// parseRing decodes a keyring as Save writes it, and derives each key's
// key pair from its seed.
func parseRing(b []byte) (*Keyring, error) {
	var kr Keyring
	if err := json.Unmarshal(b, &kr); err != nil {
		return nil, err
	}
	for i, k := range kr.Keys {
		if len(k.Seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("key %d has a bad seed", i)
		}
		loaded := newKey(k.Seed)
		loaded.CreatedAt, loaded.RetiredAt, loaded.RevokedAt = k.CreatedAt, k.RetiredAt, k.RevokedAt
		kr.Keys[i] = loaded
	}
	if kr.key(kr.Active) == nil {
		return nil, fmt.Errorf("active key %q is not in the ring", kr.Active)
	}
	return &kr, nil
}

// Save writes the keyring to path, readable by its owner only. It writes a
// new file and renames it into place, so a crash leaves the old keyring or the
// new one, never a torn file that would lose the keys of printed labels.
func (kr *Keyring) Save(path string) error {
	kr.mu.RLock()
	out, err := json.MarshalIndent(kr, "", "  ")
	kr.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("label keys: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("label keys: write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(out, '\n'))
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("label keys: write %s: %w", path, err)
	}
	return nil
}

// Rotate adds a fresh key and makes it the one that signs new labels. The
// older keys stay in the ring and in the published set, because the labels
// they signed are still on bottles in shops.
func (kr *Keyring) Rotate() *Key {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	fresh := freshKey()
	for kr.key(fresh.ID) != nil { // ids are 32 bits: keep them apart
		fresh = freshKey()
	}
	kr.Keys = append(kr.Keys, fresh)
	kr.Active = fresh.ID
	return fresh
}

func (kr *Keyring) key(id string) *Key {
	for _, k := range kr.Keys {
		if k.ID == id {
			return k
		}
	}
	return nil
}

// serialAlphabet is Crockford's base32: no I, L, O or U to misread on a label.
const serialAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// SerialLength gives 60 random bits: guessing a live serial among millions
// takes about 10^12 tries.
const SerialLength = 12

// NewSerial implements trace.LabelSigner.
func (kr *Keyring) NewSerial() string {
	b := make([]byte, SerialLength)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = serialAlphabet[b[i]&31]
	}
	return string(b)
}

// Message is what a label signature covers: the Digital Link path of the unit,
// without the host, so labels survive a change of public domain.
func Message(gtin, lot, serial string) []byte {
	return []byte("01/" + gtin + "/10/" + lot + "/21/" + serial)
}

// Sign implements trace.LabelSigner.
func (kr *Keyring) Sign(gtin, lot, serial string) (string, string) {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	k := kr.key(kr.Active)
	return k.ID, base64.RawURLEncoding.EncodeToString(ed25519.Sign(k.priv, Message(gtin, lot, serial)))
}

// Verify checks a label signature with the key it names. A ring shared
// through the store that does not know the key reads the store again first
// (see missed), since another instance may have rotated to it just now.
func (kr *Keyring) Verify(keyID, gtin, lot, serial, sig string) bool {
	pub := kr.publicKey(keyID)
	if pub == nil && kr.shared != nil && kr.missed() {
		pub = kr.publicKey(keyID)
	}
	return pub != nil && verify(pub, gtin, lot, serial, sig)
}

func (kr *Keyring) publicKey(id string) ed25519.PublicKey {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	if k := kr.key(id); k != nil {
		return k.pub
	}
	return nil
}

// signatureEncoding reads a label's signature. Strict: the last character of
// unpadded base64 carries spare bits, and without it four spellings of one
// signature would verify, so an altered label could still pass.
var signatureEncoding = base64.RawURLEncoding.Strict()

func verify(pub ed25519.PublicKey, gtin, lot, serial, sig string) bool {
	raw, err := signatureEncoding.DecodeString(sig)
	return err == nil && ed25519.Verify(pub, Message(gtin, lot, serial), raw)
}

// DigitalLink is the URL a unit's QR code carries:
// {base}/01/{gtin}/10/{lot}/21/{serial}?k={key id}&s={signature}.
func DigitalLink(base string, u trace.Unit) string {
	q := url.Values{"k": {u.KeyID}, "s": {u.Signature}}
	return strings.TrimRight(base, "/") + "/01/" + u.GTIN + "/10/" + url.PathEscape(u.LotNumber) + "/21/" + url.PathEscape(u.Serial) + "?" + q.Encode()
}

// LotLink is the lot-level Digital Link, {base}/01/{gtin}/10/{lot}: the
// trace code printed on bags, drums and certificates, with no signature
// since it names no unit.
func LotLink(base, gtin, lot string) string {
	return strings.TrimRight(base, "/") + "/01/" + gtin + "/10/" + url.PathEscape(lot)
}

// Link is a parsed Digital Link.
type Link struct {
	GTIN, Lot, Serial, KeyID, Signature string
}

// ParseLink reads a Digital Link URL, on any host.
func ParseLink(raw string) (Link, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return Link{}, fmt.Errorf("label: not a URL: %w", err)
	}
	parts := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	if len(parts) < 6 {
		return Link{}, fmt.Errorf("label: %q is not a GS1 Digital Link with GTIN, lot and serial", raw)
	}
	parts = parts[len(parts)-6:]
	if parts[0] != "01" || parts[2] != "10" || parts[4] != "21" {
		return Link{}, fmt.Errorf("label: %q is not a GS1 Digital Link with GTIN, lot and serial", raw)
	}
	lot, err1 := url.PathUnescape(parts[3])
	serial, err2 := url.PathUnescape(parts[5])
	if err := errors.Join(err1, err2); err != nil {
		return Link{}, fmt.Errorf("label: %w", err)
	}
	return Link{GTIN: parts[1], Lot: lot, Serial: serial, KeyID: u.Query().Get("k"), Signature: u.Query().Get("s")}, nil
}

// Key statuses as published.
const (
	StatusActive  = "active"
	StatusRetired = "retired"
	StatusRevoked = "revoked"
)

// PublicKey is a label key as published for offline checking.
type PublicKey struct {
	ID        string `json:"kid"`
	Algorithm string `json:"alg"`
	Key       string `json:"x"`
	Active    bool   `json:"active"`
	// Status is active (signs new labels), retired (verifies labels of units
	// made before RetiredAt), or revoked (verifies nothing); a key that was
	// rotated out without being retired stays "retired" with no date, as
	// before statuses were published.
	Status    string    `json:"status,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	RetiredAt time.Time `json:"retiredAt,omitzero"`
	RevokedAt time.Time `json:"revokedAt,omitzero"`
}

// KeySet is the published form of a keyring.
type KeySet struct {
	Keys []PublicKey `json:"keys"`
}

// Public returns the keyring's public keys.
func (kr *Keyring) Public() KeySet {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	var ks KeySet
	for _, k := range kr.Keys {
		pk := PublicKey{
			ID: k.ID, Algorithm: "Ed25519", Key: base64.RawURLEncoding.EncodeToString(k.pub), Active: k.ID == kr.Active,
			Status: StatusRetired, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt, RevokedAt: k.RevokedAt,
		}
		switch {
		case !k.RevokedAt.IsZero():
			pk.Status = StatusRevoked
		case pk.Active:
			pk.Status = StatusActive
		}
		ks.Keys = append(ks.Keys, pk)
	}
	return ks
}
