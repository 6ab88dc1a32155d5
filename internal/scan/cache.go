package scan

import (
	"cmp"
	"container/list"
	"slices"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Cache keeps what scans of the same lots recompute alike: a lot's verified
// provenance, the market a lot went to, label signatures found valid, and
// the regulator's confirmed findings on a serial and its lot.
// Each part is bounded; a Judge without one recomputes everything.
type Cache struct {
	ttl        time.Duration
	provenance *lru[provenanceEntry]
	markets    *lru[marketEntry]
	signatures *lru[struct{}]
	findings   *lru[findingEntry]
}

// CacheOptions size a Cache; zero values take the defaults.
type CacheOptions struct {
	// Lots is how many lots' provenance (with its renderings) and market are
	// kept (default 1024).
	Lots int
	// Signatures is how many valid label signatures are kept (default 65536).
	Signatures int
	// Findings is how many serials' and lots' confirmed findings, or their
	// absence, are kept (default 65536).
	Findings int
	// TTL bounds how long a verified provenance, or a lot's market, is
	// reused while its lots' heads stay the same (default 30 s): an edit of the database behind
	// the service's back that leaves every head alone shows on scans once
	// it has passed, and on verification and audits at once.
	TTL time.Duration
}

// NewCache makes a Cache.
func NewCache(o CacheOptions) *Cache {
	return &Cache{
		ttl:        cmp.Or(o.TTL, 30*time.Second),
		provenance: newLRU[provenanceEntry](cmp.Or(o.Lots, 1024)),
		markets:    newLRU[marketEntry](cmp.Or(o.Lots, 1024)),
		signatures: newLRU[struct{}](cmp.Or(o.Signatures, 65536)),
		findings:   newLRU[findingEntry](cmp.Or(o.Findings, 65536)),
	}
}

// head is what makes a lot's part of a provenance stale: a new event on it
// moves its seq and last hash.
type head struct {
	id, hash string
	seq      int64
}

func headsOf(lots []trace.Lot) []head {
	hs := make([]head, len(lots))
	for i, l := range lots {
		hs[i] = head{id: l.ID, hash: l.Head, seq: l.Seq}
	}
	return hs
}

// provenanceEntry is a provenance found fully verified, with the heads of
// the scanned lot and of every lot upstream when it was.
type provenanceEntry struct {
	heads []head
	// gen is the store's count of lot writes when the walk began.
	gen uint64
	at  time.Time
	p   Provenance
}

type marketEntry struct {
	head   head
	at     time.Time
	region string
}

// verified returns the provenance of the lots as last verified, if none of
// their heads has moved since and it is not older than the TTL.
func (c *Cache) verified(lots []trace.Lot) (Provenance, bool) {
	if c == nil {
		return Provenance{}, false
	}
	e, ok := c.provenance.get(lots[0].ID)
	if !ok || time.Since(e.at) > c.ttl || !slices.Equal(e.heads, headsOf(lots)) {
		return Provenance{}, false
	}
	return e.p, true
}

// keep remembers a provenance of lots if it verified; any other verdict
// forgets what was kept, so a failure is never hidden behind an older pass.
// What is kept is shared by later scans and never changed.
func (c *Cache) keep(lots []trace.Lot, gen uint64, p Provenance, verified bool) {
	if c == nil {
		return
	}
	if !verified {
		c.provenance.remove(lots[0].ID)
		return
	}
	c.provenance.put(lots[0].ID, provenanceEntry{heads: headsOf(lots), gen: gen, at: time.Now(), p: p})
}

// unmoved returns the provenance of lot as last verified without walking
// upstream: when no lot, event or unit was written in this process since the
// walk began (gen is the store's count now), none of the lots upstream can
// have a new head, unless another process wrote it, which the TTL bounds as
// it bounds edits behind the service's back. The lot's own head, which the
// caller has read, must not have moved either.
func (c *Cache) unmoved(lot trace.Lot, gen uint64) (Provenance, bool) {
	if c == nil {
		return Provenance{}, false
	}
	e, ok := c.provenance.get(lot.ID)
	if !ok || e.gen != gen || time.Since(e.at) > c.ttl || e.heads[0] != (head{id: lot.ID, hash: lot.Head, seq: lot.Seq}) {
		return Provenance{}, false
	}
	return e.p, true
}

func (c *Cache) market(l trace.Lot) (string, bool) {
	if c == nil {
		return "", false
	}
	e, ok := c.markets.get(l.ID)
	return e.region, ok && time.Since(e.at) <= c.ttl && e.head == (head{id: l.ID, hash: l.Head, seq: l.Seq})
}

func (c *Cache) keepMarket(l trace.Lot, region string) {
	if c != nil {
		c.markets.put(l.ID, marketEntry{head: head{id: l.ID, hash: l.Head, seq: l.Seq}, at: time.Now(), region: region})
	}
}

// signed reports a signature found valid before. Only valid ones are kept:
// forged labels cannot crowd genuine ones out. Whether the key has since
// been retired or revoked is asked on every scan, so that takes effect at
// once.
func (c *Cache) signed(key string) bool {
	if c == nil {
		return false
	}
	_, ok := c.signatures.get(key)
	return ok
}

func (c *Cache) keepSigned(key string) {
	if c != nil {
		c.signatures.put(key, struct{}{})
	}
}

// findingEntry is the finding on a serial or a lot (nil for none) as
// read while the store's count of complaint writes stood at gen.
type findingEntry struct {
	gen   uint64
	at    time.Time
	found *Reason
}

// finding returns the finding kept for key if no complaint was written in
// this process since it was read (gen is the count now) and it is not older
// than the TTL, which bounds how long another process's close goes unseen.
func (c *Cache) finding(key string, gen uint64) (*Reason, bool) {
	if c == nil {
		return nil, false
	}
	e, ok := c.findings.get(key)
	return e.found, ok && e.gen == gen && time.Since(e.at) <= c.ttl
}

// keepFinding keeps what was read while the count stood at gen; a complaint
// written during the read moved the count, so the entry is never used.
func (c *Cache) keepFinding(key string, gen uint64, found *Reason) {
	if c != nil {
		c.findings.put(key, findingEntry{gen: gen, at: time.Now(), found: found})
	}
}

// lru is a map of at most max entries that forgets the least recently used.
type lru[V any] struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *lruItem[V], most recent first
	items map[string]*list.Element
}

type lruItem[V any] struct {
	key string
	val V
}

func newLRU[V any](max int) *lru[V] {
	return &lru[V]{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem[V]).val, true
}

func (c *lru[V]) put(key string, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*lruItem[V]).val = val
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&lruItem[V]{key: key, val: val})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*lruItem[V]).key)
	}
}

func (c *lru[V]) remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.Remove(el)
		delete(c.items, key)
	}
}
