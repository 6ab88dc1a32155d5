package storetest

import (
	"bytes"
	"sync"
	"testing"

	"github.com/agritrace/agritrace/internal/trace"
)

// testLabelKeyrings: the store keeps every version of the sealed label
// keyring and returns the newest; a version is written once, and of writers
// racing for one version exactly one wins, so no rotation is lost.
func testLabelKeyrings(t *testing.T, s trace.Store) {
	_, err := s.LabelKeyring(ctx)
	wantCode(t, err, trace.ENOTFOUND)

	v1 := trace.SealedKeyring{Version: 1, Sealed: []byte{0, 1, 2, 0xff}, CreatedAt: t0}
	must(t, s.PutLabelKeyring(ctx, v1))
	wantCode(t, s.PutLabelKeyring(ctx, trace.SealedKeyring{Version: 1, Sealed: []byte("other"), CreatedAt: t0}), trace.ECONFLICT)
	got, err := s.LabelKeyring(ctx)
	must(t, err)
	if got.Version != 1 || !bytes.Equal(got.Sealed, v1.Sealed) || !got.CreatedAt.Equal(t0) {
		t.Errorf("LabelKeyring = %+v, want %+v", got, v1)
	}

	// Versions written out of order: the newest is the highest, whichever
	// was stored last.
	must(t, s.PutLabelKeyring(ctx, trace.SealedKeyring{Version: 3, Sealed: []byte("three"), CreatedAt: t0}))
	must(t, s.PutLabelKeyring(ctx, trace.SealedKeyring{Version: 2, Sealed: []byte("two"), CreatedAt: t0}))
	if got, err := s.LabelKeyring(ctx); err != nil || got.Version != 3 || string(got.Sealed) != "three" {
		t.Errorf("LabelKeyring after 3 and 2 = %+v, %v", got, err)
	}

	// Instances racing to write version 4: one wins, the rest are told.
	const racers = 8
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			errs[i] = s.PutLabelKeyring(ctx, trace.SealedKeyring{Version: 4, Sealed: []byte{byte(i)}, CreatedAt: t0})
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won >= 0:
			t.Errorf("racers %d and %d both wrote version 4", won, i)
		case err == nil:
			won = i
		case trace.ErrorCode(err) != trace.ECONFLICT:
			t.Errorf("racer %d: %v, want ECONFLICT", i, err)
		}
	}
	got, err = s.LabelKeyring(ctx)
	must(t, err)
	if won < 0 || got.Version != 4 || !bytes.Equal(got.Sealed, []byte{byte(won)}) {
		t.Errorf("after the race: winner %d, stored %+v", won, got)
	}
}
