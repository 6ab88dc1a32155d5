package mongo_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/store/mongo"
	"github.com/agritrace/agritrace/internal/trace"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
)

// commands records the commands a store sends while recording is on.
type commands struct {
	mu   sync.Mutex
	on   bool
	sent []string
}

func (c *commands) monitor() *event.CommandMonitor {
	return &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.on {
			c.sent = append(c.sent, e.CommandName+" "+target(e))
		}
	}}
}

// target is the collection a command names, if any (ping names none).
func target(e *event.CommandStartedEvent) string {
	coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
	return coll
}

// during returns the commands sent while f ran.
func (c *commands) during(f func()) []string {
	c.mu.Lock()
	c.on, c.sent = true, nil
	c.mu.Unlock()
	f()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	return c.sent
}

// openCounted opens a store whose commands cmds records, with a heartbeat
// too rare to be counted.
func openCounted(tb testing.TB, cmds *commands) *mongo.Store {
	tb.Helper()
	s, err := mongo.Open(ctx, uri, dbName(tb), mongo.WithMonitor(cmds.monitor()), mongo.WithLiveness(time.Hour, 0))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.DropDatabase(context.Background())
		s.Close()
	})
	return s
}

// inspection is the change an inspect event makes to lot id at seq: the lot
// moves on, with one event and one outbox record.
func inspection(id string, seq int64) trace.Change {
	l := lot(id)
	l.Seq, l.Head = seq+1, fmt.Sprintf("%s-%d", id, seq+1)
	prev := fmt.Sprintf("%s-%d", id, seq)
	return trace.Change{
		Lots:    []trace.LotWrite{{Lot: l, PrevSeq: seq}},
		Events:  []trace.Event{{Lot: id, Seq: seq + 1, Type: trace.EventInspect, Actor: "lab", Hash: l.Head, PrevHash: prev}},
		Anchors: []custody.Record{{Kind: custody.KindEvent, Key: id, Seq: uint64(seq + 1), Hash: l.Head, PrevHash: prev}},
	}
}

// commission is the change that brings lot id into being.
func commission(id string) trace.Change {
	e := trace.Event{Lot: id, Seq: 0, Type: trace.EventCommission, Actor: "cc", Hash: id + "-0"}
	l := lot(id)
	l.Head = e.Hash
	return trace.Change{
		Lots: []trace.LotWrite{{Lot: l, PrevSeq: -1}}, Events: []trace.Event{e},
		Anchors: []custody.Record{{Kind: custody.KindEvent, Key: id, Seq: 0, Hash: e.Hash}},
	}
}

// TestCommitRoundTrips pins the commands a typical write sends, so that a
// change that adds a round trip to every write is noticed.
func TestCommitRoundTrips(t *testing.T) {
	var cmds commands
	s := openCounted(t, &cmds)
	create(t, s, "L1")
	tests := []struct {
		name   string
		change trace.Change
		want   int
	}{
		{"commission", commission("L2"), 8},
		{"inspect", inspection("L1", 0), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			sent := cmds.during(func() { err = s.Commit(ctx, tt.change) })
			must(t, err)
			if len(sent) != tt.want {
				t.Errorf("%d commands, want %d:\n%s", len(sent), tt.want, strings.Join(sent, "\n"))
			}
		})
	}
}

// seeded is the number of other lots in the database a benchmark runs on:
// none, and some, since a commit that scans a collection slows down as it
// grows.
var seeded = []int{0, 2000}

// BenchmarkCommitInspect commits inspect events to one lot, one after the
// other; BenchmarkInsertOne is the bare round trip to compare it with.
func BenchmarkCommitInspect(b *testing.B) {
	for _, n := range seeded {
		b.Run(fmt.Sprintf("lots=%d", n), func(b *testing.B) {
			var cmds commands
			s := openCounted(b, &cmds)
			must(b, s.Seed(ctx, n))
			create(b, s, "L1")
			seq := int64(0)
			for b.Loop() {
				if err := s.Commit(ctx, inspection("L1", seq)); err != nil {
					b.Fatal(err)
				}
				seq++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
		})
	}
}

func BenchmarkCommitCommission(b *testing.B) {
	for _, n := range seeded {
		b.Run(fmt.Sprintf("lots=%d", n), func(b *testing.B) {
			var cmds commands
			s := openCounted(b, &cmds)
			must(b, s.Seed(ctx, n))
			i := 0
			for b.Loop() {
				if err := s.Commit(ctx, commission(fmt.Sprintf("L%d", i))); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
		})
	}
}

func BenchmarkInsertOne(b *testing.B) {
	var cmds commands
	s := openCounted(b, &cmds)
	n := 0
	for b.Loop() {
		if err := s.InsertBare(ctx, bson.M{"_id": n}); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}
