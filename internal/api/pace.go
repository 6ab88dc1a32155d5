package api

import (
	"errors"
	"io"
	"net/http"
	"time"
)

// Pace bounds how slowly a client may send a body or read an answer. A fixed
// read timeout would either cut off a 32 MiB batch on a slow village link or
// let a body sent a byte a second hold a connection for minutes, so the
// deadline grows with the bytes moved: Grace plus one second per MinRate
// bytes.
type Pace struct {
	Read, Write time.Duration
	MinRate     int64
}

// Paced wraps h so that request bodies and answers keep up p's pace; a client
// that falls behind has its connection closed. The server's own ReadTimeout
// and WriteTimeout stay unset: they are whole-request deadlines.
func Paced(h http.Handler, p Pace) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// A write deadline left by the connection's previous answer must not
		// cut this one; each write sets its own.
		_ = rc.SetWriteDeadline(time.Time{})
		pw := &pacedWriter{ResponseWriter: w, rc: rc, pace: p}
		if r.Body != nil && r.Body != http.NoBody {
			start := time.Now()
			pr := &pacedBody{ReadCloser: r.Body, rc: rc, start: start, pace: p}
			_ = rc.SetReadDeadline(start.Add(p.Read))
			r.Body = pr
		}
		h.ServeHTTP(pw, r)
	})
}

// pacedBody moves the connection's read deadline out as the body arrives.
type pacedBody struct {
	io.ReadCloser
	rc    *http.ResponseController
	start time.Time
	read  int64
	pace  Pace
}

func (b *pacedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		// The server now watches the idle connection for the client going
		// away; a deadline left here would cancel a long handler's context.
		_ = b.rc.SetReadDeadline(time.Time{})
	case n > 0:
		_ = b.rc.SetReadDeadline(b.start.Add(b.pace.Read + allowance(b.read, b.pace.MinRate)))
	}
	return n, err
}

// pacedWriter gives each write of the answer a deadline by its size.
type pacedWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	pace Pace
}

func (w *pacedWriter) due(n int) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.pace.Write + allowance(int64(n), w.pace.MinRate)))
}

func (w *pacedWriter) WriteHeader(status int) {
	w.due(0)
	w.ResponseWriter.WriteHeader(status)
}

// Write hands p on a second's worth at a time, so that a large answer to a
// client reading nothing is cut off within seconds of the buffers filling,
// not after the time the whole answer would take at MinRate.
func (w *pacedWriter) Write(p []byte) (int, error) {
	chunk := int(min(w.pace.MinRate, 64<<10))
	written := 0
	for len(p) > 0 {
		n := min(len(p), chunk)
		w.due(n)
		m, err := w.ResponseWriter.Write(p[:n])
		written += m
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// Flush lets handlers that stream flush through the wrapper.
func (w *pacedWriter) Flush() {
	w.due(0)
	_ = w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *pacedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// allowance is the time n bytes take at rate bytes a second.
func allowance(n, rate int64) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(rate)
}
