package trace

import (
	"hash/fnv"
	"slices"
	"sync"
)

// lotLocks makes writes to the same lots in one process take turns from
// reading the lots to committing. Without turns, concurrent writes to a lot
// all read the same head, and a store that commits them together (SQLite's
// group commit) keeps one and answers the rest "changed, retry" at once,
// round after round. Lots are hashed onto a fixed set of locks, so two writes
// to different lots rarely wait for each other.
type lotLocks struct {
	stripes [256]sync.Mutex
}

// of returns the sorted, distinct locks of the lots a change writes; taking
// them in that order cannot deadlock.
func (l *lotLocks) of(writes []LotWrite) []int {
	var idx []int
	for _, w := range writes {
		h := fnv.New32a()
		h.Write([]byte(w.Lot.ID))
		idx = append(idx, int(h.Sum32()%uint32(len(l.stripes))))
	}
	slices.Sort(idx)
	return slices.Compact(idx)
}

// tryLock takes the locks of writes if none is held, and reports whether it did.
func (l *lotLocks) tryLock(writes []LotWrite) (unlock func(), ok bool) {
	idx := l.of(writes)
	for i, n := range idx {
		if !l.stripes[n].TryLock() {
			l.unlock(idx[:i])
			return nil, false
		}
	}
	return func() { l.unlock(idx) }, true
}

// lock waits for the locks of writes.
func (l *lotLocks) lock(writes []LotWrite) (unlock func()) {
	idx := l.of(writes)
	for _, n := range idx {
		l.stripes[n].Lock()
	}
	return func() { l.unlock(idx) }
}

func (l *lotLocks) unlock(idx []int) {
	for _, n := range slices.Backward(idx) {
		l.stripes[n].Unlock()
	}
}
