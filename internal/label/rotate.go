package label

import (
	"context"
	"errors"
	"fmt"

	"github.com/agritrace/agritrace/internal/trace"
)

// maxUpdateTries bounds how often Update reads the shared ring again after
// another instance wrote a version first; each loss means someone else's
// change went in, so a few are plenty.
const maxUpdateTries = 10

// RotateSaved rotates the keyring of a running service (see Update): only
// once the file or the store holds the fresh key does it sign new labels.
func (kr *Keyring) RotateSaved(ctx context.Context) (*Key, error) {
	var fresh *Key
	err := kr.Update(ctx, func(next *Keyring) error {
		fresh = next.Rotate()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// Update applies change to a copy of the ring, keeps the result where the
// ring is kept, and only then lets it sign and verify. A ring kept in a file
// is written whole and atomically (see Save). A ring shared through the
// store is changed from the store's newest version and written as the next
// one; when another instance wrote that version first, change is applied
// again to what it wrote, so neither change is lost. A label can therefore
// never carry a key that a restart would lose.
func (kr *Keyring) Update(ctx context.Context, change func(next *Keyring) error) error {
	if kr.shared != nil {
		return kr.updateShared(ctx, change)
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if kr.path == "" {
		return errors.New("label keys: this keyring was not loaded from a file or a store to keep a change in")
	}
	next := kr.copyLocked()
	if err := change(next); err != nil {
		return err
	}
	if err := next.Save(kr.path); err != nil {
		return err
	}
	kr.Active, kr.Keys = next.Active, next.Keys
	return nil
}

func (kr *Keyring) updateShared(ctx context.Context, change func(next *Keyring) error) error {
	for range maxUpdateTries {
		cur, err := kr.shared.fetch(ctx)
		if err != nil {
			return err
		}
		next := cur.copy()
		if err := change(next); err != nil {
			return err
		}
		next.version = cur.version + 1
		err = kr.shared.put(ctx, next)
		if trace.ErrorCode(err) == trace.ECONFLICT {
			continue
		}
		if err != nil {
			return err
		}
		kr.install(next)
		return nil
	}
	return fmt.Errorf("label keys: other instances kept changing the keyring; %d tries lost the race, try again", maxUpdateTries)
}

// copy returns a ring whose keys can be changed without touching kr's.
func (kr *Keyring) copy() *Keyring {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.copyLocked()
}

func (kr *Keyring) copyLocked() *Keyring {
	c := &Keyring{Active: kr.Active, version: kr.version}
	for _, k := range kr.Keys {
		dup := *k
		c.Keys = append(c.Keys, &dup)
	}
	return c
}

// install makes next the ring that signs and verifies, unless kr already
// holds a newer version of the store's (a refresh that overtook a write).
func (kr *Keyring) install(next *Keyring) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if next.version < kr.version {
		return
	}
	kr.Active, kr.Keys, kr.version = next.Active, next.Keys, next.version
}
