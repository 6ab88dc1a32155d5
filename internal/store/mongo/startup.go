package mongo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// startLock is the document of cMigrations that one starting instance holds
// while it prepares the database: FerretDB 1.24 crashes a connection handler
// when createIndexes runs concurrently, so instances starting together must
// take turns.
const startLock = "start-up lock"

// upgrade is a one-time step for databases older versions left.
type upgrade struct {
	marker string
	step   func(*Store, context.Context) error
}

var upgrades = []upgrade{
	{scanVerdictsFilled, (*Store).fillScanVerdicts},
	{scanSummariesFilled, (*Store).summarizeScans},
	{eventTimesFilled, (*Store).fillEventTimes},
}

// preparedMarker names the marker saying the database has this version's
// indexes and upgrades. A version with other indexes or steps has another
// marker, and prepares the database again.
func preparedMarker() string {
	h := sha256.New()
	for _, ix := range indexes {
		fmt.Fprintf(h, "%s %q %t\n", ix.coll, ix.keys, ix.unique)
	}
	for _, u := range upgrades {
		fmt.Fprintln(h, u.marker)
	}
	return "prepared " + hex.EncodeToString(h.Sum(nil)[:8])
}

// startPoll is how often an instance waiting for another to prepare the
// database looks again.
const startPoll = 100 * time.Millisecond

// prepare creates the indexes and runs the upgrades, unless the database is
// marked as prepared already. Of instances starting together one takes
// startLock and does the work; the others wait for the marker, and take the
// lock over if its holder stops beating.
func (s *Store) prepare(ctx context.Context) error {
	done := preparedMarker()
	for {
		err := s.c(cMigrations).FindOne(ctx, bson.M{"_id": done}).Err()
		if err == nil {
			return nil
		}
		if !errors.Is(err, mongo.ErrNoDocuments) {
			return fmt.Errorf("mongo: prepare database: %w", err)
		}
		_, err = s.c(cMigrations).InsertOne(ctx, bson.M{"_id": startLock, "instance": s.instance})
		if err == nil {
			return s.prepareHolding(ctx, done)
		}
		if !mongo.IsDuplicateKeyError(err) {
			return fmt.Errorf("mongo: take start-up lock: %w", err)
		}
		if err := s.waitForHolder(ctx); err != nil {
			return err
		}
	}
}

// waitForHolder waits a little while another instance prepares the
// database, or releases the lock of one that died doing so: this instance's
// own earlier life included.
func (s *Store) waitForHolder(ctx context.Context) error {
	var h struct {
		Instance string `bson:"instance"`
	}
	err := s.c(cMigrations).FindOne(ctx, bson.M{"_id": startLock}).Decode(&h)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mongo: read start-up lock: %w", err)
	}
	alive := false
	if h.Instance != s.instance {
		if alive, err = s.alive(ctx, h.Instance); err != nil {
			return err
		}
	}
	if !alive {
		if _, err := s.c(cMigrations).DeleteOne(ctx, bson.M{"_id": startLock, "instance": h.Instance}); err != nil {
			return fmt.Errorf("mongo: release a dead instance's start-up lock: %w", err)
		}
		return nil
	}
	t := time.NewTimer(startPoll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("mongo: wait for instance %s to prepare the database: %w", h.Instance, ctx.Err())
	case <-t.C:
		return nil
	}
}

// prepareHolding does the work of prepare under the start-up lock, and
// releases it whatever happens.
func (s *Store) prepareHolding(ctx context.Context, done string) (err error) {
	defer func() {
		_, rerr := s.c(cMigrations).DeleteOne(context.WithoutCancel(ctx), bson.M{"_id": startLock, "instance": s.instance})
		if rerr != nil {
			err = errors.Join(err, fmt.Errorf("mongo: release start-up lock: %w", rerr))
		}
	}()
	if err := s.createIndexes(ctx); err != nil {
		return err
	}
	for _, u := range upgrades {
		if err := s.once(ctx, u.marker, func(ctx context.Context) error { return u.step(s, ctx) }); err != nil {
			return err
		}
	}
	if _, err := s.c(cMigrations).InsertOne(ctx, bson.M{"_id": done}); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fmt.Errorf("mongo: mark database prepared: %w", err)
	}
	return nil
}
