package mongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// cInstances holds one document per live instance, whose "beat" counter the
// instance bumps every few seconds.
const cInstances = "instances"

// Liveness defaults: an instance beats every two seconds and is taken for
// dead once its counter has stood still for fifteen seconds of the
// observer's own clock, long enough for a garbage-collection pause or a
// database fail-over to pass.
const (
	defaultBeat      = 2 * time.Second
	defaultDeadAfter = 15 * time.Second
)

// WithLiveness sets how often this instance beats and how long another
// instance's beat must stand still before its unfinished work is settled.
// Zero keeps a default; tests shorten both.
func WithLiveness(beat, deadAfter time.Duration) Option {
	return func(s *Store) {
		if beat > 0 {
			s.beat = beat
		}
		if deadAfter > 0 {
			s.deadAfter = deadAfter
		}
	}
}

// watch remembers, per instance, the last beat seen and when by this
// process's monotonic clock: an instance is dead when its beat has not moved
// for deadAfter. No two machines' clocks are ever compared.
type watch struct {
	mu   sync.Mutex
	seen map[string]sighting
}

type sighting struct {
	beat int64
	at   time.Time
}

// alive reports whether instance name still beats. Seen for the first time,
// or with a beat that moved, it counts as alive for deadAfter from now. An
// instance without a document (closed, or a journal older than the registry)
// has beat -1, which never moves.
func (s *Store) alive(ctx context.Context, name string) (bool, error) {
	if name == s.instance {
		return true, nil
	}
	var d struct {
		Beat int64 `bson:"beat"`
	}
	err := s.c(cInstances).FindOne(ctx, bson.M{"_id": name}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		d.Beat = -1
	} else if err != nil {
		return false, fmt.Errorf("mongo: liveness of instance %s: %w", name, err)
	}
	return s.judge(name, d.Beat, time.Now()), nil
}

// judge records a sighting of instance name's beat at now and reports
// whether the instance still beats: it does when seen for the first time,
// when its beat moved, or for deadAfter after either.
func (s *Store) judge(name string, beat int64, now time.Time) bool {
	s.watch.mu.Lock()
	defer s.watch.mu.Unlock()
	last, ok := s.watch.seen[name]
	if !ok || last.beat != beat {
		s.watch.seen[name] = sighting{beat: beat, at: now}
		return true
	}
	return now.Sub(last.at) < s.deadAfter
}

// LiveInstances implements trace.Store: the instances registered in
// cInstances that this one judges alive, by the rule the recovery of their
// changes follows, and this one itself. An instance that closed has no
// document and is not listed; one that stopped beating without closing is
// listed until its beat has stood still for deadAfter of this observer's
// clock, so that an observer that has only just started counts it, rather
// than drop an instance that runs.
func (s *Store) LiveInstances(ctx context.Context) ([]string, error) {
	cur, err := s.c(cInstances).Find(ctx, bson.M{})
	if err != nil {
		return nil, fmt.Errorf("mongo: live instances: %w", err)
	}
	var docs []struct {
		ID   string `bson:"_id"`
		Beat int64  `bson:"beat"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fmt.Errorf("mongo: live instances: %w", err)
	}
	now := time.Now()
	live := []string{s.instance}
	for _, d := range docs {
		if d.ID != s.instance && s.judge(d.ID, d.Beat, now) {
			live = append(live, d.ID)
		}
	}
	slices.Sort(live)
	return live, nil
}

// beatOnce bumps this instance's counter. Only this instance writes its
// document, so FerretDB's non-atomic $inc loses nothing.
func (s *Store) beatOnce(ctx context.Context) error {
	_, err := s.c(cInstances).UpdateOne(ctx, bson.M{"_id": s.instance}, bson.M{"$inc": bson.M{"beat": int64(1)}},
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("mongo: heartbeat: %w", err)
	}
	return nil
}

// startBeating beats once, so that the instance is registered before it
// takes any lock, then every s.beat until Close. Each beat also settles the
// changes that dead instances left unfinished, so that none waits for a
// writer to run into it.
func (s *Store) startBeating(ctx context.Context) error {
	if err := s.beatOnce(ctx); err != nil {
		return err
	}
	bctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.stopBeating = func() { cancel(); <-done }
	go func() {
		defer close(done)
		t := time.NewTicker(s.beat)
		defer t.Stop()
		for {
			select {
			case <-bctx.Done():
				return
			case <-t.C:
			}
			// A failed beat or sweep is tried again at the next tick; a
			// database that stays away makes the others settle our work, which
			// the outcome protocol keeps safe.
			if err := s.beatOnce(bctx); err != nil && bctx.Err() == nil {
				slog.Warn("mongo: heartbeat", "instance", s.instance, "err", err)
				continue
			}
			if err := s.sweep(bctx); err != nil && bctx.Err() == nil {
				slog.Warn("mongo: settle abandoned changes", "instance", s.instance, "err", err)
			}
		}
	}()
	return nil
}

// deregister removes this instance's document on a clean Close: its beat
// then stands at -1, and whatever it left is settled deadAfter later.
func (s *Store) deregister(ctx context.Context) {
	if s.stopBeating != nil {
		s.stopBeating()
	}
	s.c(cInstances).DeleteOne(ctx, bson.M{"_id": s.instance})
}
