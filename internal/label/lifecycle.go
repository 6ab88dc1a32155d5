package label

import (
	"fmt"
	"time"
)

// KeyDates implements scan.Signer: when the key was retired and revoked,
// zero for never or for a key not in the ring.
func (kr *Keyring) KeyDates(id string) (retired, revoked time.Time) {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	if k := kr.key(id); k != nil {
		return k.RetiredAt, k.RevokedAt
	}
	return time.Time{}, time.Time{}
}

// Retire stops a key from signing: labels of units made after now that carry
// it fail as signed by a retired key, while labels already printed still
// verify. The active key cannot be retired: rotate first, so that something
// signs new labels.
func (kr *Keyring) Retire(id string, now time.Time) error {
	return kr.mark(id, "retire", func(k *Key) {
		if k.RetiredAt.IsZero() {
			k.RetiredAt = now.UTC()
		}
	})
}

// Revoke declares a key compromised: every label it signed scans as not
// genuine from now on. Revoking also retires it.
func (kr *Keyring) Revoke(id string, now time.Time) error {
	return kr.mark(id, "revoke", func(k *Key) {
		if k.RetiredAt.IsZero() {
			k.RetiredAt = now.UTC()
		}
		if k.RevokedAt.IsZero() {
			k.RevokedAt = now.UTC()
		}
	})
}

func (kr *Keyring) mark(id, what string, f func(*Key)) error {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	k := kr.key(id)
	switch {
	case k == nil:
		return fmt.Errorf("label keys: no key %q in the keyring", id)
	case id == kr.Active:
		return fmt.Errorf("label keys: %s signs new labels; rotate first, then %s it", id, what)
	}
	f(k)
	return nil
}
