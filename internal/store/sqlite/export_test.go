package sqlite

import (
	"context"
	"database/sql"
)

// SchemaVersion is the version this binary's migrations end at.
var SchemaVersion = len(migrations)

// RunBatch runs fns as one batch of the writer, fns[i] under ctxs[i], and
// returns each one's answer: it pins down which writes share a transaction,
// which concurrent callers cannot.
func RunBatch(s *Store, ctxs []context.Context, fns []func(*sql.Tx) error) []error {
	reqs := make([]*request, len(fns))
	for i, fn := range fns {
		reqs[i] = &request{ctx: ctxs[i], fn: fn, done: make(chan error, 1)}
	}
	conn, err := s.wdb.Conn(context.Background())
	if err != nil {
		panic(err)
	}
	s.w.run(conn, reqs)
	conn.Close()
	errs := make([]error, len(reqs))
	for i, r := range reqs {
		errs[i] = <-r.done
	}
	return errs
}
