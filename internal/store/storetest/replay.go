package storetest

import (
	"errors"
	"testing"

	"github.com/agritrace/agritrace/chain/custody"
	"github.com/agritrace/agritrace/internal/trace"
)

func replay(scope, key, body string) trace.Replay {
	return trace.Replay{Scope: scope, Key: key, Request: "req-" + body, Status: 201, Body: []byte(body),
		CreatedAt: t0, ExpiresAt: t0.Add(trace.ReplayTTL)}
}

func wantReplayExists(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, trace.ErrReplayExists) {
		t.Fatalf("err = %v, want ErrReplayExists", err)
	}
}

// testReplays: an idempotency answer is committed with its write or not at
// all, one per scope and key while it lives, and its key is free once expired.
func testReplays(t *testing.T, s trace.Store) {
	_, err := s.Replay(ctx, "cc", "k1")
	wantCode(t, err, trace.ENOTFOUND)

	l, e, r := newLot(t, "R1")
	first := replay("cc", "k1", `{"lots":[]}`)
	must(t, s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: l, PrevSeq: -1}}, Events: []trace.Event{e}, Anchors: []custody.Record{r}, Replay: &first}))
	got, err := s.Replay(ctx, "cc", "k1")
	must(t, err)
	if got.Request != first.Request || got.Status != 201 || string(got.Body) != `{"lots":[]}` || !got.ExpiresAt.Equal(first.ExpiresAt) {
		t.Errorf("Replay = %+v", got)
	}

	// A second write with the same key records nothing, not even its lot.
	l2, e2, r2 := newLot(t, "R2")
	again := replay("cc", "k1", "other")
	wantReplayExists(t, s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: l2, PrevSeq: -1}}, Events: []trace.Event{e2}, Anchors: []custody.Record{r2}, Replay: &again}))
	if _, err := s.Lot(ctx, l2.ID); trace.ErrorCode(err) != trace.ENOTFOUND {
		t.Errorf("the duplicate's lot was stored (err %v)", err)
	}
	wantReplayExists(t, s.SaveReplay(ctx, again))

	// A write whose own change fails leaves no answer behind.
	l3, e3, r3 := newLot(t, "R1")
	lost := replay("cc", "k3", "x")
	wantCode(t, s.Commit(ctx, trace.Change{Lots: []trace.LotWrite{{Lot: l3, PrevSeq: -1}}, Events: []trace.Event{e3}, Anchors: []custody.Record{r3}, Replay: &lost}), trace.ECONFLICT)
	_, err = s.Replay(ctx, "cc", "k3")
	wantCode(t, err, trace.ENOTFOUND)

	// Keys are per scope.
	must(t, s.SaveReplay(ctx, replay("mill", "k1", "mill's")))
	if got, err := s.Replay(ctx, "mill", "k1"); err != nil || string(got.Body) != "mill's" {
		t.Errorf("Replay(mill) = %+v, %v", got, err)
	}

	// Once expired, the key takes a new answer.
	later := replay("cc", "k1", "a day later")
	later.CreatedAt, later.ExpiresAt = first.ExpiresAt, first.ExpiresAt.Add(trace.ReplayTTL)
	must(t, s.SaveReplay(ctx, later))
	if got, err := s.Replay(ctx, "cc", "k1"); err != nil || string(got.Body) != "a day later" {
		t.Errorf("Replay after expiry = %+v, %v", got, err)
	}
}
