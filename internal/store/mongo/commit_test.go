package mongo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	driver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

var ctx = context.Background()

func lot(id string) trace.Lot {
	return trace.Lot{ID: id, GTIN: "06901234500110", Number: id, Quantity: 10, Available: 10, BaseUnit: "g", Status: trace.LotActive, Custodian: "cc"}
}

// create commits a new lot with its first event and outbox record.
func create(t testing.TB, s *mongo.Store, id string) {
	t.Helper()
	e := trace.Event{Lot: id, Seq: 0, Type: trace.EventCommission, Actor: "cc", Hash: id + "-0"}
	l := lot(id)
	l.Head = e.Hash
	err := s.Commit(ctx, trace.Change{
		Lots: []trace.LotWrite{{Lot: l, PrevSeq: -1}}, Events: []trace.Event{e},
		Anchors: []custody.Record{{Kind: custody.KindEvent, Key: id, Seq: 0, Hash: e.Hash}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// move is a change that hands lot id from seq 0 to custodian, with its event
// and outbox record, and brings a new lot out into being: a small transform.
func move(id, custodian, out string) trace.Change {
	l := lot(id)
	l.Seq, l.Custodian, l.Head = 1, custodian, custodian
	o := lot(out)
	o.Parents = []trace.Portion{{Lot: id, Quantity: 1}}
	return trace.Change{
		Lots:    []trace.LotWrite{{Lot: l, PrevSeq: 0}, {Lot: o, PrevSeq: -1}},
		Events:  []trace.Event{{Lot: id, Seq: 1, Type: trace.EventTransform, Actor: custodian, Hash: custodian, PrevHash: id + "-0"}},
		Units:   []trace.UnitWrite{{Unit: trace.Unit{Serial: out + "-S1", Lot: out, Status: trace.UnitActive}}},
		Anchors: []custody.Record{{Kind: custody.KindEvent, Key: id, Seq: 1, Hash: custodian, PrevHash: id + "-0"}},
	}
}

// state is what a test checks of the database after a race or a recovery.
type state struct {
	lots, events, pending, units int
	custodian                    string
	leftovers                    string
}

func stateOf(t *testing.T, s *mongo.Store, id string) state {
	t.Helper()
	var st state
	lots, err := s.Lots(ctx, trace.LotFilter{})
	must(t, err)
	evs, err := s.Events(ctx, id)
	must(t, err)
	pending, err := s.PendingAnchors(ctx, 100)
	must(t, err)
	units, err := s.Count(ctx, "units")
	must(t, err)
	l, err := s.Lot(ctx, id)
	must(t, err)
	left, err := s.Leftovers(ctx)
	must(t, err)
	var parts []string
	for k, n := range left {
		if n != 0 && k != "journal_outcomes" {
			parts = append(parts, fmt.Sprintf("%s=%d", k, n))
		}
	}
	st.lots, st.events, st.pending, st.units, st.custodian = len(lots), len(evs), len(pending), int(units), l.Custodian
	st.leftovers = strings.Join(parts, " ")
	return st
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// race starts writers commits at once; exactly one must succeed and the rest
// get ECONFLICT. It returns the name the winner gave.
func race(t *testing.T, writers int, commit func(i int) (string, error)) string {
	t.Helper()
	var wins, conflicts atomic.Int64
	var winner atomic.Value
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			<-start
			who, err := commit(i)
			switch trace.ErrorCode(err) {
			case "":
				wins.Add(1)
				winner.Store(who)
			case trace.ECONFLICT:
				conflicts.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != int64(writers-1) {
		t.Fatalf("wins %d, conflicts %d; want 1 and %d", wins.Load(), conflicts.Load(), writers-1)
	}
	return winner.Load().(string)
}

// TestConcurrentCommitsOnOneLot races writers from the same version of a lot:
// exactly one wins, the others get ECONFLICT and leave nothing behind.
func TestConcurrentCommitsOnOneLot(t *testing.T) {
	s := openStore(t)
	create(t, s, "L1")
	const writers = 6
	winner := race(t, writers, func(i int) (string, error) {
		who := fmt.Sprintf("writer-%d", i)
		return who, s.Commit(ctx, move("L1", who, fmt.Sprintf("OUT%d", i)))
	})
	got := stateOf(t, s, "L1")
	want := state{lots: 2, events: 2, pending: 2, units: 1, custodian: winner}
	if got != want {
		t.Errorf("after the race: %+v, want %+v", got, want)
	}
}

// TestConcurrentSalesOfOneUnit races writers on a unit, whose changes have no
// event whose unique _id would tell them apart: the guarded update on status
// must itself let only one through.
func TestConcurrentSalesOfOneUnit(t *testing.T) {
	s := openStore(t)
	create(t, s, "L1")
	u := trace.Unit{Serial: "S1", Lot: "L1", Status: trace.UnitActive}
	must(t, s.Commit(ctx, trace.Change{Units: []trace.UnitWrite{{Unit: u}}}))
	const writers = 8
	race(t, writers, func(i int) (string, error) {
		sold := u
		sold.Status, sold.SoldBy = trace.UnitSold, fmt.Sprintf("shop-%d", i)
		return sold.SoldBy, s.Commit(ctx, trace.Change{Units: []trace.UnitWrite{{Unit: sold, PrevStatus: trace.UnitActive}}})
	})
	if got := stateOf(t, s, "L1"); got.leftovers != "" {
		t.Errorf("leftovers after the race: %s", got.leftovers)
	}
}

// TestCrashedChange leaves changes half-applied, as a crash would, and checks
// how they are resolved.
func TestCrashedChange(t *testing.T) {
	before := state{lots: 1, events: 1, pending: 1, units: 0, custodian: "cc"}
	after := state{lots: 2, events: 2, pending: 2, units: 1, custodian: "mill"}

	t.Run("RestartRollsBack", func(t *testing.T) {
		// The instance crashes mid-change and comes back under its name: the
		// lot is writable again as soon as it has started.
		s := openStore(t)
		create(t, s, "L1")
		must(t, s.CrashMidCommit(ctx, move("L1", "mill", "L2"), false))
		s.StopBeating()
		if got := stateOf(t, s, "L1"); got.custodian != "mill" || got.leftovers == "" {
			t.Fatalf("the crashed change was not half-applied in the first place: %+v", got)
		}
		again := reopen(t, s)
		if got := stateOf(t, again, "L1"); got != before {
			t.Errorf("after recovery: %+v, want %+v", got, before)
		}
		must(t, again.Commit(ctx, move("L1", "shop", "L3")))
	})

	t.Run("RestartRollsForward", func(t *testing.T) {
		s := openStore(t)
		create(t, s, "L1")
		must(t, s.CrashMidCommit(ctx, move("L1", "mill", "L2"), true))
		s.StopBeating()
		if got := stateOf(t, s, "L1"); got.pending != 1 {
			t.Fatalf("outbox records of an unfinished change are visible: %+v", got)
		}
		again := reopen(t, s)
		if got := stateOf(t, again, "L1"); got != after {
			t.Errorf("after recovery: %+v, want %+v", got, after)
		}
	})

	t.Run("LiveInstancesChangeIsLeftAlone", func(t *testing.T) {
		// Another instance's change in flight looks just like a crash; while
		// that instance beats, no one may undo it, nor build on it.
		s := openStore(t)
		create(t, s, "L1")
		must(t, s.CrashMidCommit(ctx, move("L1", "mill", "L2"), false))
		other := openAs(t, s.Name(), "other")
		if got := stateOf(t, other, "L1"); got.custodian != "mill" {
			t.Errorf("a change in flight was rolled back: %+v", got)
		}
		l, _ := other.Lot(ctx, "L1")
		err := other.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: l, PrevSeq: l.Seq}}})
		if trace.ErrorCode(err) != trace.ECONFLICT {
			t.Errorf("commit on a lot another change is writing: %v, want ECONFLICT", err)
		}
		out, _ := other.Lot(ctx, "L2")
		err = other.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: out, PrevSeq: out.Seq}}})
		if trace.ErrorCode(err) != trace.ECONFLICT {
			t.Errorf("commit on a lot another change is creating: %v, want ECONFLICT", err)
		}
	})

	t.Run("SlowWriterOvertakenByRecovery", func(t *testing.T) {
		// A writer so slow that its change is taken for a dead instance's must
		// find out at its commit point, and leave nothing behind.
		s := openStore(t)
		create(t, s, "L1")
		s.BeforeCommitPoint(func() { must(t, s.ResolveAll(ctx)) })
		if err := s.Commit(ctx, move("L1", "mill", "L2")); err == nil {
			t.Fatal("commit overtaken by recovery succeeded")
		}
		s.BeforeCommitPoint(nil)
		if got := stateOf(t, s, "L1"); got != before {
			t.Errorf("after the failed commit: %+v, want %+v", got, before)
		}
	})

	t.Run("PartialByHand", func(t *testing.T) {
		// A crash in the middle of applying: the journal, the lock and half the
		// documents are there, written here by hand as Commit would have.
		s := openStore(t)
		create(t, s, "L1")
		client, err := driver.Connect(options.Client().ApplyURI(uri))
		must(t, err)
		defer client.Disconnect(ctx)
		db := client.Database(s.Name())
		l1, err := db.Collection("lots").FindOne(ctx, bson.M{"_id": "L1"}).Raw()
		must(t, err)
		txn := bson.NewObjectID()
		_, err = db.Collection("journal").InsertOne(ctx, bson.M{
			"_id": txn, "instance": s.Instance(), "at": time.Now(), "locks": []string{"lots/L1"},
			"inserted": bson.M{"lots": []string{"L2"}, "events": []string{"L1#1"}, "anchors": []string{custody.KindEvent + "#L1#1"}},
			"before":   []bson.M{{"coll": "lots", "id": "L1", "doc": l1}},
		})
		must(t, err)
		_, err = db.Collection("journal").InsertOne(ctx, bson.M{"_id": "lots/L1", "txn": txn, "instance": s.Instance()})
		must(t, err)
		_, err = db.Collection("lots").InsertOne(ctx, bson.M{"_id": "L2", "custodian": "mill", "seq": 0, "parents": []string{"L1"}, "doc": `{"id":"L2"}`, "txn": txn})
		must(t, err)
		_, err = db.Collection("lots").UpdateOne(ctx, bson.M{"_id": "L1"}, bson.M{"$set": bson.M{"custodian": "mill", "seq": 1, "doc": `{"id":"L1","custodian":"mill","seq":1}`, "txn": txn}})
		must(t, err)
		s.StopBeating()
		again := reopen(t, s)
		if got := stateOf(t, again, "L1"); got != before {
			t.Errorf("after recovery: %+v, want %+v", got, before)
		}
		if ls, _ := again.Lots(ctx, trace.LotFilter{Custodian: "mill"}); len(ls) != 0 {
			t.Errorf("the custodian index still finds the rolled-back state: %+v", ls)
		}
		must(t, again.Commit(ctx, move("L1", "mill", "L2")))
	})
}

// reopen opens s's database again under s's instance name, as a restarted
// service would.
func reopen(t *testing.T, s *mongo.Store) *mongo.Store {
	t.Helper()
	return openAs(t, s.Name(), s.Instance())
}

// openAs opens database db as instance name, as another process sharing the
// database would; closed, not dropped, when the test ends.
func openAs(t *testing.T, db, name string, opts ...mongo.Option) *mongo.Store {
	t.Helper()
	s, err := mongo.Open(ctx, uri, db, append(opts, mongo.WithInstance(name))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
