package trace

import (
	"sync"
	"time"
)

// APIKeyTTL bounds how long a key revoked, or an organization disabled or
// changed, by another process (admin on the same data directory, another
// instance on the same store) still signs in here. Changes made through this
// Service take effect on its next request.
const APIKeyTTL = 5 * time.Second

// apiKeyCacheSize bounds the cache; past it, it starts over empty.
const apiKeyCacheSize = 4096

// keyCache remembers which organization an API key hash stood for, so that a
// request does not pay a store lookup (a tenth of an ingest) to sign in.
// Only successful lookups are kept: a new key works at once, and unknown
// keys cannot fill it.
type keyCache struct {
	mu sync.Mutex
	m  map[string]cachedKey
	// gen counts forgets: a lookup that started before one must not put back
	// what it read, which may be the state just revoked.
	gen uint64
}

type cachedKey struct {
	org   Org
	until time.Time
}

// get returns the cached organization for hash, and the generation to hand
// to put after a store lookup when there is none.
func (c *keyCache) get(hash string, now time.Time) (Org, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if ok && now.Before(e.until) {
		return e.org, c.gen, true
	}
	return Org{}, c.gen, false
}

func (c *keyCache) put(hash string, o Org, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.m == nil || len(c.m) >= apiKeyCacheSize {
		c.m = map[string]cachedKey{}
	}
	c.m[hash] = cachedKey{org: o, until: now.Add(APIKeyTTL)}
}

// forget drops every key of an organization: one of them was revoked, or the
// organization itself changed.
func (c *keyCache) forget(org string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for h, e := range c.m {
		if e.org.ID == org {
			delete(c.m, h)
		}
	}
}
