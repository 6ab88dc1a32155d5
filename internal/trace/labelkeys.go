package trace

import "time"

// SealedKeyring is one version of the label signing keyring as a shared store
// keeps it for every instance: encrypted by internal/label under the secret
// each instance is given, so the store (and whoever reads its backups) never
// holds a usable private key. Versions count up from 1; a version is written
// once and never changed, so that two instances changing the ring at once
// cannot both succeed on the same version and lose a key.
type SealedKeyring struct {
	Version int64
	Sealed  []byte
	// CreatedAt is when the version was written, for operators.
	CreatedAt time.Time
}
