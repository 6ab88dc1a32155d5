package mongo_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// Liveness for tests: beats often, so that a stopped instance is found dead
// within a second, yet with room for a loaded machine's pauses.
const (
	testBeat      = 20 * time.Millisecond
	testDeadAfter = time.Second
)

// eventually calls f until it reports done, failing the test after a
// deadline generous enough for a loaded machine.
func eventually(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(testBeat)
	}
}

// TestDeadInstancesChangeIsSettled has one instance die mid-change and
// another, which has never seen it, settle its change and write the lot.
func TestDeadInstancesChangeIsSettled(t *testing.T) {
	s := openStore(t)
	create(t, s, "L1")
	must(t, s.CrashMidCommit(ctx, move("L1", "mill", "L2"), false))
	s.StopBeating()
	other := openAs(t, s.Name(), "other", mongo.WithLiveness(testBeat, testDeadAfter))
	retry := move("L1", "shop", "L3")
	eventually(t, "a write to the dead instance's lot", func() bool {
		err := other.Commit(ctx, retry)
		if err != nil && trace.ErrorCode(err) != trace.ECONFLICT {
			t.Fatal(err)
		}
		return err == nil
	})
	want := state{lots: 2, events: 2, pending: 2, units: 1, custodian: "shop"}
	if got := stateOf(t, other, "L1"); got != want {
		t.Errorf("after the dead instance's change was settled: %+v, want %+v", got, want)
	}
}

// TestSlowLiveWriterIsNotRolledBack holds a writer at its commit point for
// twice the liveness timeout while another instance keeps writing
// to the same lot and sweeping: the writer still beats, so its change stands.
func TestSlowLiveWriterIsNotRolledBack(t *testing.T) {
	s := openStore(t)
	create(t, s, "L1")
	// A longer timeout than the other tests': here a live instance mistaken
	// for dead would fail the test, and a loaded machine can stall a beat.
	const deadAfter = 3 * time.Second
	slow := openAs(t, s.Name(), "slow", mongo.WithLiveness(testBeat, 0))
	other := openAs(t, s.Name(), "other", mongo.WithLiveness(testBeat, deadAfter))
	held, release := make(chan struct{}), make(chan struct{})
	slow.BeforeCommitPoint(func() { close(held); <-release })
	done := make(chan error, 1)
	go func() { done <- slow.Commit(ctx, move("L1", "mill", "L2")) }()
	<-held
	since := time.Now()
	for time.Since(since) < 2*deadAfter {
		err := other.Commit(ctx, move("L1", "shop", "L3"))
		if trace.ErrorCode(err) != trace.ECONFLICT {
			close(release)
			t.Fatalf("write to a lot a live instance is changing: %v, want ECONFLICT", err)
		}
		time.Sleep(10 * testBeat)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("the slow writer's commit: %v", err)
	}
	want := state{lots: 2, events: 2, pending: 2, units: 1, custodian: "mill"}
	if got := stateOf(t, other, "L1"); got != want {
		t.Errorf("after the slow commit: %+v, want %+v", got, want)
	}
}

// TestConcurrentOpen starts three instances together on an empty database,
// several times: all must start, and the indexes must be there.
func TestConcurrentOpen(t *testing.T) {
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	must(t, err)
	t.Cleanup(func() { client.Disconnect(ctx) })
	for round := range 5 {
		db := dbName(t)
		t.Cleanup(func() { client.Database(db).Drop(context.Background()) })
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() {
				s, err := mongo.Open(ctx, uri, db, mongo.WithInstance(fmt.Sprintf("i%d", i)))
				if err == nil {
					t.Cleanup(func() { s.Close() })
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: instance %d: %v", round, i, err)
			}
		}
		wantIndex(t, client.Database(db), "events", "lot_1_seq_1_unique")
	}
}

// TestDeadStartLockIsTakenOver opens a database whose start-up lock is held
// by an instance that died preparing it.
func TestDeadStartLockIsTakenOver(t *testing.T) {
	client, err := driver.Connect(options.Client().ApplyURI(uri))
	must(t, err)
	t.Cleanup(func() { client.Disconnect(ctx) })
	db := dbName(t)
	t.Cleanup(func() { client.Database(db).Drop(context.Background()) })
	_, err = client.Database(db).Collection("migrations").InsertOne(ctx, bson.M{"_id": "start-up lock", "instance": "gone"})
	must(t, err)
	openAs(t, db, "next", mongo.WithLiveness(testBeat, testDeadAfter))
	wantIndex(t, client.Database(db), "events", "lot_1_seq_1_unique")
}

func wantIndex(t *testing.T, db *driver.Database, coll, name string) {
	t.Helper()
	specs, err := db.Collection(coll).Indexes().ListSpecifications(ctx)
	must(t, err)
	for _, sp := range specs {
		if sp.Name == name {
			return
		}
	}
	t.Errorf("index %s of %s is missing: %+v", name, coll, specs)
}

// TestLiveInstances: stores on one database list each other; one that closes
// is no longer listed, and one that stops beating without closing drops out
// once its beat has stood still for the observer's deadAfter.
func TestLiveInstances(t *testing.T) {
	db := dbName(t)
	a := openAs(t, db, "node-a", mongo.WithLiveness(testBeat, testDeadAfter))
	b := openAs(t, db, "node-b", mongo.WithLiveness(testBeat, testDeadAfter))
	c := openAs(t, db, "node-c", mongo.WithLiveness(testBeat, testDeadAfter))
	t.Cleanup(func() { a.DropDatabase(ctx) })
	lists := func(s *mongo.Store, want ...string) func() bool {
		return func() bool {
			got, err := s.LiveInstances(ctx)
			must(t, err)
			return slices.Equal(got, want)
		}
	}
	for _, s := range []*mongo.Store{a, b, c} {
		if got, err := s.LiveInstances(ctx); err != nil || !slices.Equal(got, []string{"node-a", "node-b", "node-c"}) {
			t.Errorf("three stores on one database: LiveInstances = %v, %v", got, err)
		}
	}
	must(t, c.Close())
	if !lists(a, "node-a", "node-b")() {
		t.Error("a closed store is still listed")
	}
	b.StopBeating()
	eventually(t, "a store that stopped beating to drop out", lists(a, "node-a"))
}
