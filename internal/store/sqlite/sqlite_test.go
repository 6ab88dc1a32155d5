package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agritrace/agritrace/internal/store/sqlite"
	"github.com/agritrace/agritrace/internal/store/storetest"
	"github.com/agritrace/agritrace/internal/trace"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) trace.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "agritrace.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
