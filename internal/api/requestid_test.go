package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

func TestRequestIDOnEveryAnswer(t *testing.T) {
	e := start(t)
	generated := func(id string) bool { return len(id) == 32 && strings.Trim(id, "0123456789abcdef") == "" }
	tests := []struct {
		name, method, path, sent string
		status                   int
		want                     func(string) bool
	}{
		{"kept when well formed", "GET", "/healthz", "6f0c9e0e-3c1a-4b0f-9d7e-6c1b0d5e2a11", 200, nil},
		{"kept on an error", "GET", "/api/v1/lots/nope", "edge:42/Ab+c=", 401, nil},
		{"kept on a route that does not exist", "GET", "/no/such/page", "req-1", 404, nil},
		{"kept on a method not allowed", "DELETE", "/healthz", "req-2", 405, nil},
		{"made when missing", "GET", "/healthz", "", 200, generated},
		{"replaced when it has a space", "GET", "/healthz", "a b", 200, generated},
		{"replaced when it has a quote", "GET", "/healthz", `a"b`, 200, generated},
		{"replaced when too long", "GET", "/healthz", strings.Repeat("x", 129), 200, generated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, e.URL+tt.path, nil)
			if tt.sent != "" {
				req.Header.Set(api.RequestIDHeader, tt.sent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get(api.RequestIDHeader)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.want == nil && got != tt.sent || tt.want != nil && !tt.want(got) {
				t.Errorf("%s = %q for %q sent", api.RequestIDHeader, got, tt.sent)
			}
		})
	}
}

// lockedBuffer is a log sink that handlers may write to concurrently.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// lines returns the JSON log lines written so far.
func (l *lockedBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// brokenProducts fails every product read, as a store whose disk went away
// would: the one fake here, for fault injection.
type brokenProducts struct{ trace.Store }

func (brokenProducts) Product(context.Context, string) (trace.Product, error) {
	return trace.Product{}, errors.New("disk I/O error")
}

// TestRequestIDInLogs checks that the lines logged while a request fails
// carry the ID its answer carries.
func TestRequestIDInLogs(t *testing.T) {
	logs := &lockedBuffer{}
	e := start(t, func(o *options) {
		o.server = func(s *api.Server) {
			s.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			s.Store = brokenProducts{s.Store}
		}
	})
	for _, sent := range []string{"trace-7f3a", ""} {
		req, _ := http.NewRequest("GET", e.URL+"/api/v1/products/"+demo.Bottle, nil)
		req.Header.Set("Authorization", "Bearer "+e.Keys[demo.Mill])
		if sent != "" {
			req.Header.Set(api.RequestIDHeader, sent)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get(api.RequestIDHeader)
		if resp.StatusCode != http.StatusInternalServerError || id == "" || sent != "" && id != sent {
			t.Fatalf("answer %d with request ID %q (sent %q)", resp.StatusCode, id, sent)
		}
		seen := map[string]bool{}
		for _, l := range logs.lines(t) {
			if l["request_id"] == id {
				seen[l["msg"].(string)] = true
			}
		}
		if !seen["internal error"] || !seen["request"] {
			t.Errorf("lines logged under request ID %q: %v; want the internal error and the request", id, seen)
		}
	}
}
