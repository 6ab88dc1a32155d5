package label

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Several instances behind a load balancer must sign and verify with the
// same keys, or a bottle labelled by one scans as forged on another. The
// ring is therefore kept in the store they share, sealed with AES-256-GCM
// under a secret each instance is given, so the store and its backups hold
// no usable private key. Each change is written as a new version (see
// Update); instances read the newest every refresh interval and at once
// when a label names a key they do not know.

// SecretSize is the size of a label secret: 32 random bytes, given base64
// encoded in a file (openssl rand -base64 32).
const SecretSize = 32

// Secret seals and opens the shared keyring.
type Secret struct {
	aead cipher.AEAD
	// path names the file the secret came from, for messages.
	path string
}

// LoadSecret reads the secret file at path.
func LoadSecret(path string) (*Secret, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("label secret: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(raw) != SecretSize {
		return nil, fmt.Errorf("label secret: %s must hold %d random bytes, base64 encoded (make one with: openssl rand -base64 %d > %s)", path, SecretSize, SecretSize, path)
	}
	// The secret is not used as the AES key itself, so that it could key
	// something else one day without the two uses meeting.
	key, err := hkdf.Key(sha256.New, raw, nil, "agritrace label keyring", 32)
	if err != nil {
		return nil, fmt.Errorf("label secret: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("label secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("label secret: %w", err)
	}
	return &Secret{aead: aead, path: path}, nil
}

// additional binds a sealed ring to its version, so that an old version
// copied over a newer one in the store does not open.
func additional(version int64) []byte {
	return []byte("agritrace label keyring " + strconv.FormatInt(version, 10))
}

func (s *Secret) seal(version int64, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic(err)
	}
	return s.aead.Seal(nonce, nonce, plain, additional(version))
}

func (s *Secret) open(k trace.SealedKeyring) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(k.Sealed) >= n {
		if plain, err := s.aead.Open(nil, k.Sealed[:n], k.Sealed[n:], additional(k.Version)); err == nil {
			return plain, nil
		}
	}
	return nil, fmt.Errorf("label keys: cannot decrypt the keyring in the store (version %d) with the secret in %s: every instance must be given the same secret", k.Version, s.path)
}

// RingStore is where a shared keyring is kept; trace.Store is one.
type RingStore interface {
	LabelKeyring(ctx context.Context) (trace.SealedKeyring, error)
	PutLabelKeyring(ctx context.Context, k trace.SealedKeyring) error
}

// Shared says where a shared ring is kept and how it is refreshed.
type Shared struct {
	Store  RingStore
	Secret *Secret
	// Import is a keyring file (label-keys.json) whose keys must keep
	// verifying: the ring is made from it when the store holds none, and
	// keys of it that the store's ring lacks are added to it, not to sign
	// but so that the labels they signed still verify on every instance.
	Import string
	// MissGap is the least time between two reads of the store caused by
	// labels naming unknown keys, so forged key ids cannot hammer it; zero
	// means a second.
	MissGap time.Duration
	Log     *slog.Logger
}

// shared is a ring's link to its store.
type shared struct {
	Shared
	// mu lets one read of the store run at a time; the fields below are
	// guarded by it.
	mu sync.Mutex
	// read is when the last read of the store ended, missAt when the last
	// read caused by an unknown key began.
	read, missAt time.Time
}

// OpenShared returns the ring kept in o.Store. On the first start of any
// instance with a secret the store holds no ring: the one in o.Import (so
// labels already printed keep verifying), or else a fresh one, is written as
// version 1; of instances doing that at once one wins and the others read
// its ring, then add their file's keys to it.
func OpenShared(ctx context.Context, o Shared) (*Keyring, error) {
	if o.MissGap == 0 {
		o.MissGap = time.Second
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	sh := &shared{Shared: o}
	file, err := importFile(o.Import)
	if err != nil {
		return nil, err
	}
	kr, err := sh.fetch(ctx)
	if trace.ErrorCode(err) == trace.ENOTFOUND {
		kr, err = sh.first(ctx, file)
	}
	if err != nil {
		return nil, err
	}
	kr.shared = sh
	if file == nil {
		return kr, nil
	}
	var missing []*Key
	for _, k := range file.Keys {
		if kr.key(k.ID) == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return kr, nil
	}
	err = kr.Update(ctx, func(next *Keyring) error {
		for _, k := range missing {
			if next.key(k.ID) == nil {
				next.Keys = append(next.Keys, k)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("label keys: add the keys of %s to the store's: %w", o.Import, err)
	}
	o.Log.Warn("label keys: added keys of this instance's own keyring file to the shared one, so that the labels they signed verify on every instance",
		"file", o.Import, "keys", len(missing), "version", kr.version)
	return kr, nil
}

// importFile reads the keyring file at path, nil when there is none.
func importFile(path string) (*Keyring, error) {
	if path == "" {
		return nil, nil
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	return LoadOrCreate(path)
}

// first writes version 1 of the ring, or reads the one another instance
// wrote first.
func (sh *shared) first(ctx context.Context, file *Keyring) (*Keyring, error) {
	kr := file
	if kr == nil {
		kr = NewKeyring()
	}
	kr = kr.copy()
	kr.version = 1
	err := sh.put(ctx, kr)
	if trace.ErrorCode(err) == trace.ECONFLICT {
		return sh.fetch(ctx)
	}
	if err != nil {
		return nil, err
	}
	how := "a fresh key"
	if file != nil {
		how = "the keys of " + sh.Import
	}
	sh.Log.Info("label keys: the store kept none; it now keeps "+how+", sealed", "keys", len(kr.Keys), "active", kr.Active)
	return kr, nil
}

// fetch reads and opens the store's newest ring.
func (sh *shared) fetch(ctx context.Context) (*Keyring, error) {
	sealed, err := sh.Store.LabelKeyring(ctx)
	if err != nil {
		return nil, err
	}
	return sh.open(sealed)
}

func (sh *shared) open(sealed trace.SealedKeyring) (*Keyring, error) {
	plain, err := sh.Secret.open(sealed)
	if err != nil {
		return nil, err
	}
	kr, err := parseRing(plain)
	if err != nil {
		return nil, fmt.Errorf("label keys: the keyring in the store (version %d): %w", sealed.Version, err)
	}
	kr.version = sealed.Version
	return kr, nil
}

// put seals kr and writes it as its version; ECONFLICT if that is taken.
func (sh *shared) put(ctx context.Context, kr *Keyring) error {
	plain, err := json.Marshal(kr)
	if err != nil {
		return fmt.Errorf("label keys: %w", err)
	}
	return sh.Store.PutLabelKeyring(ctx, trace.SealedKeyring{
		Version: kr.version, Sealed: sh.Secret.seal(kr.version, plain), CreatedAt: time.Now().UTC(),
	})
}

// Refresh reads the store's newest ring and, when it is newer than the one
// held, signs and verifies with it from now on. A ring kept in a file has
// nothing to refresh.
func (kr *Keyring) Refresh(ctx context.Context) error {
	if kr.shared == nil {
		return nil
	}
	kr.shared.mu.Lock()
	defer kr.shared.mu.Unlock()
	return kr.refreshLocked(ctx)
}

func (kr *Keyring) refreshLocked(ctx context.Context) error {
	sealed, err := kr.shared.Store.LabelKeyring(ctx)
	kr.shared.read = time.Now()
	if err != nil || sealed.Version == kr.Version() {
		return err
	}
	next, err := kr.shared.open(sealed)
	if err != nil {
		return err
	}
	kr.install(next)
	return nil
}

// missTimeout bounds a read of the store made while a scan waits.
const missTimeout = 5 * time.Second

// missed reads the store again for a label naming a key the ring does not
// know, and reports whether it did. Scans that arrive while a read is under
// way wait for it and do not read again; and at most one such read starts
// per MissGap, whatever the labels name.
func (kr *Keyring) missed() bool {
	sh := kr.shared
	arrived := time.Now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.read.After(arrived) {
		return true
	}
	if !sh.missAt.IsZero() && time.Since(sh.missAt) < sh.MissGap {
		return false
	}
	sh.missAt = time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), missTimeout)
	defer cancel()
	if err := kr.refreshLocked(ctx); err != nil {
		sh.Log.Warn("label keys: could not read the shared keyring for a label naming an unknown key", "err", err)
		return false
	}
	return true
}

// Watch refreshes a shared ring every interval until ctx ends, so that
// rotations, retirements and revocations made by any instance or by the
// admin command apply everywhere without a restart.
func (kr *Keyring) Watch(ctx context.Context, every time.Duration) {
	if kr.shared == nil || every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := kr.Refresh(ctx); err != nil && ctx.Err() == nil {
			kr.shared.Log.Warn("label keys: could not refresh the shared keyring; signing and verifying with the one held", "err", err)
		}
	}
}

// Version is the store's version of the ring held, 0 for a ring kept in a file.
func (kr *Keyring) Version() int64 {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.version
}
