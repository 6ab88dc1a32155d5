package label

import "fmt"

// RotateSaved rotates the keyring of a running service: it writes the ring
// with a fresh key to the file it was loaded from, atomically (see Save), and
// only once that file holds the key does the key sign new labels. A label can
// therefore never carry a key that a restart would lose, and labels signed
// before still verify with the keys kept in the ring.
func (kr *Keyring) RotateSaved() (*Key, error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	if kr.path == "" {
		return nil, fmt.Errorf("label keys: this keyring was not loaded from a file to keep a new key in")
	}
	fresh := freshKey()
	for kr.key(fresh.ID) != nil { // ids are 32 bits: keep them apart
		fresh = freshKey()
	}
	keys := append(kr.Keys[:len(kr.Keys):len(kr.Keys)], fresh)
	if err := (&Keyring{Active: fresh.ID, Keys: keys}).Save(kr.path); err != nil {
		return nil, err
	}
	kr.Keys, kr.Active = keys, fresh.ID
	return fresh, nil
}
