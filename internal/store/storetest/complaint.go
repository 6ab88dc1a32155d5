package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

func entry(t *testing.T, c *trace.Complaint, action string) trace.ComplaintEntry {
	t.Helper()
	e := trace.ComplaintEntry{Complaint: c.ID, Seq: c.Seq + 1, Action: action, Actor: "amr", Time: t0.Add(time.Duration(c.Seq+1) * time.Hour), PrevHash: c.Head}
	h, err := e.ComputeHash()
	must(t, err)
	e.Hash = h
	c.Seq, c.Head = e.Seq, h
	return e
}

func testComplaints(t *testing.T, s trace.Store) {
	photo := trace.Evidence{Hash: "ab12", ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G', 0, 1, 2}}
	c := trace.Complaint{ID: "C1", Serial: "S1", Lot: "L1", Kind: "counterfeit", Description: "瓶盖松动，油色浑浊", Evidence: []string{photo.Hash},
		Reporter: "consumer", Status: trace.ComplaintOpen, Seq: -1, CreatedAt: t0}
	e0 := entry(t, &c, "filed")
	must(t, s.Commit(ctx, trace.Change{
		Complaints: []trace.ComplaintWrite{{Complaint: c, PrevSeq: -1}}, ComplaintEntries: []trace.ComplaintEntry{e0},
		Evidence: []trace.Evidence{photo, photo}, Anchors: []custody.Record{{Kind: custody.KindComplaint, Key: c.ID, Hash: e0.Hash}},
	}))
	wantCode(t, s.Commit(ctx, trace.Change{Complaints: []trace.ComplaintWrite{{Complaint: c, PrevSeq: -1}}}), trace.ECONFLICT)
	other := trace.Complaint{ID: "C2", Lot: "L2", Kind: "quality", Description: "x", Reporter: "amr", Status: trace.ComplaintOpen, CreatedAt: t0.Add(time.Minute)}
	must(t, s.Commit(ctx, trace.Change{Complaints: []trace.ComplaintWrite{{Complaint: other, PrevSeq: -1}}}))

	stale := c
	c.Status = trace.ComplaintAssigned
	e1 := entry(t, &c, "assign")
	must(t, s.Commit(ctx, trace.Change{Complaints: []trace.ComplaintWrite{{Complaint: c, PrevSeq: 0}}, ComplaintEntries: []trace.ComplaintEntry{e1}}))
	stale.Status = trace.ComplaintUnfounded
	e1b := entry(t, &stale, "close")
	wantCode(t, s.Commit(ctx, trace.Change{Complaints: []trace.ComplaintWrite{{Complaint: stale, PrevSeq: 0}}, ComplaintEntries: []trace.ComplaintEntry{e1b}}), trace.ECONFLICT)

	got, err := s.Complaint(ctx, "C1")
	must(t, err)
	if got.Status != trace.ComplaintAssigned || got.Seq != 1 || got.Description != c.Description || !got.CreatedAt.Equal(t0) {
		t.Errorf("Complaint = %+v", got)
	}
	_, err = s.Complaint(ctx, "nope")
	wantCode(t, err, trace.ENOTFOUND)
	trail, err := s.ComplaintEntries(ctx, "C1")
	must(t, err)
	if len(trail) != 2 || trail[1].Action != "assign" {
		t.Fatalf("trail = %+v", trail)
	}
	for _, e := range trail {
		if h, _ := e.ComputeHash(); h != e.Hash {
			t.Errorf("entry %d re-hashes to %s, stored %s", e.Seq, h, e.Hash)
		}
	}
	for _, tt := range []struct {
		f    trace.ComplaintFilter
		want []string
	}{
		{trace.ComplaintFilter{}, []string{"C2", "C1"}},
		{trace.ComplaintFilter{Status: trace.ComplaintAssigned}, []string{"C1"}},
		{trace.ComplaintFilter{Lot: "L2"}, []string{"C2"}},
		{trace.ComplaintFilter{Serial: "S1"}, []string{"C1"}},
		{trace.ComplaintFilter{Limit: 1}, []string{"C2"}},
		{trace.ComplaintFilter{Kind: "quality"}, []string{"C2"}},
		{trace.ComplaintFilter{Kind: "refill"}, nil},
	} {
		list, err := s.Complaints(ctx, tt.f)
		must(t, err)
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		if len(ids) != len(tt.want) || (len(ids) > 0 && ids[0] != tt.want[0]) {
			t.Errorf("Complaints(%+v) = %v, want %v", tt.f, ids, tt.want)
		}
	}
	ev, err := s.Evidence(ctx, photo.Hash)
	must(t, err)
	if ev.ContentType != "image/png" || string(ev.Data) != string(photo.Data) {
		t.Errorf("Evidence = %+v", ev)
	}
	_, err = s.Evidence(ctx, "ffff")
	wantCode(t, err, trace.ENOTFOUND)
}

// testComplaintPages pages through complaints newest first with a cursor,
// including two filed in the same millisecond, and filters by date.
func testComplaintPages(t *testing.T, s trace.Store) {
	at := []time.Duration{0, time.Hour, time.Hour, 2 * time.Hour, 3 * time.Hour}
	for i, d := range at {
		c := trace.Complaint{ID: fmt.Sprintf("P%d", i), Serial: "SP", Lot: "LP", Kind: "quality", Description: "x", Reporter: "consumer", Status: trace.ComplaintOpen, CreatedAt: t0.Add(d)}
		must(t, s.Commit(ctx, trace.Change{Complaints: []trace.ComplaintWrite{{Complaint: c, PrevSeq: -1}}}))
	}
	var pages [][]string
	f := trace.ComplaintFilter{Lot: "LP", Limit: 2}
	for range 4 {
		list, err := s.Complaints(ctx, f)
		must(t, err)
		if len(list) == 0 {
			break
		}
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		pages = append(pages, ids)
		f.After = trace.CursorOf(list[len(list)-1])
	}
	if got, want := fmt.Sprint(pages), "[[P4 P3] [P1 P2] [P0]]"; got != want {
		t.Errorf("pages = %s, want %s", got, want)
	}
	list, err := s.Complaints(ctx, trace.ComplaintFilter{Lot: "LP", Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)})
	must(t, err)
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	if got, want := fmt.Sprint(ids), "[P3 P1 P2]"; got != want {
		t.Errorf("Complaints since/until = %s, want %s", got, want)
	}
}
