package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/agritrace/agritrace/internal/api"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The authorization matrix: every route the router serves (the console
// under /console and its /static assets aside: the console tests drive
// them) against every caller, with the status each cell must answer.
// Callers are no key, a revoked key, and for each role the cast's
// organization acting on its own data and another organization of the same
// role acting on that same data, someone else's to it. The README shows the
// same table; to write it again:
//
//	AGRITRACE_UPDATE_README=1 go test -run TestAuthorizationMatrix ./internal/api/

const (
	matrixBegin = "<!-- authorization-matrix:begin (written by AGRITRACE_UPDATE_README=1 go test -run TestAuthorizationMatrix ./internal/api/) -->"
	matrixEnd   = "<!-- authorization-matrix:end -->"
)

// column is one caller.
type column struct {
	head  string
	role  string // "" for no key and the revoked key
	other bool
}

func matrixColumns() []column {
	cols := []column{{head: "none"}, {head: "revoked"}}
	for _, r := range trace.Roles {
		cols = append(cols, column{head: r, role: r}, column{head: r + "′", role: r, other: true})
	}
	return cols
}

// request is what a row sends, built from the subject of the cell's role.
type request func(w *world, s *subject) (path string, body any)

type row struct {
	route string // method and Gin path
	req   request
	// write marks a row whose allowed cells change their data: each cell
	// gets fresh data, and those that may be refused run first.
	write bool
	// mark, for lists and queries, is what the answer holds when it shows
	// the subject's data: a 200 without it is written 200-.
	mark func(w *world, s *subject) string
	// batch rows answer 200 with each event's own status inside: the cell
	// is written 200:{the event's status}.
	batch bool
}

func getting(path func(w *world, s *subject) string) request {
	return func(w *world, s *subject) (string, any) { return path(w, s), nil }
}

func fixed(path string) request { return getting(func(*world, *subject) string { return path }) }

func lotPath(suffix string) request {
	return getting(func(_ *world, s *subject) string { return "/api/v1/lots/" + s.lot + suffix })
}

func lotWriteRow(route, suffix string, body func(w *world, s *subject) any) row {
	return row{route: route, write: true, req: func(w *world, s *subject) (string, any) {
		return "/api/v1/lots/" + s.lot + suffix, body(w, s)
	}}
}

// printRunOf is the print run of s's role, or the mill's when the role may
// print none.
func printRunOf(w *world, s *subject) string {
	return "/api/v1/print-runs/" + cmpOr(w.printRun[s.role], w.printRun[trace.RoleProcessor])
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func freshNumber(w *world) string { return fmt.Sprintf("MX%d", w.unique()) }

// TestAuthorizationMatrix sends every cell's request and compares the
// statuses with the table, which must name every route the router serves.
func TestAuthorizationMatrix(t *testing.T) {
	rows := matrixRows()
	engine := (&api.Server{Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler().(*gin.Engine)
	byRoute := map[string]row{}
	for _, r := range rows {
		byRoute[r.route] = r
	}
	served := map[string]bool{}
	for _, r := range engine.Routes() {
		if unchecked(r.Path) {
			continue
		}
		served[r.Method+" "+r.Path] = true
		if _, ok := byRoute[r.Method+" "+r.Path]; !ok {
			t.Errorf("%s %s has no row in the authorization matrix", r.Method, r.Path)
		}
	}
	for route := range matrixWant {
		if _, ok := byRoute[route]; !ok {
			t.Errorf("the expected statuses name %s, which has no row", route)
		}
	}
	for _, r := range rows {
		if !served[r.route] {
			t.Errorf("the matrix has a row for %s, which the router does not serve", r.route)
		}
	}
	if t.Failed() {
		return
	}
	w := newWorld(t)
	cols := matrixColumns()
	var got [][]string
	for _, r := range rows {
		statuses := w.runRow(r, cols)
		got = append(got, statuses)
		if want := strings.Fields(matrixWant[r.route]); !slices.Equal(statuses, want) {
			t.Errorf("%s: got  %s\n%*s want %s\n%s", r.route, strings.Join(statuses, " "), len(r.route), "", matrixWant[r.route], diff(cols, statuses, want))
		}
	}
	table := matrixMarkdown(cols, rows, got)
	if os.Getenv("AGRITRACE_UPDATE_README") != "" && !t.Failed() {
		if err := replaceSection(readmePath, matrixBegin, matrixEnd, table); err != nil {
			t.Fatal(err)
		}
	}
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), matrixBegin+"\n"+table+matrixEnd) {
		t.Errorf("README's authorization matrix differs from the test's: run AGRITRACE_UPDATE_README=1 go test -run TestAuthorizationMatrix ./internal/api/")
	}
}

// runRow sends a row's request for every column, refusals first in a write
// row, and returns the statuses in column order.
func (w *world) runRow(r row, cols []column) []string {
	w.t.Helper()
	subjects := map[string]*subject{}
	subjectOf := func(role string) *subject {
		if !r.write {
			return w.shared[role]
		}
		if subjects[role] == nil {
			subjects[role] = w.fresh(role)
		}
		return subjects[role]
	}
	method, _, _ := strings.Cut(r.route, " ")
	out := make([]string, len(cols))
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	if r.write {
		// Keyless, revoked and other organizations' cells before the
		// organizations' own, which change their data.
		slices.SortStableFunc(order, func(a, b int) int {
			return boolInt(cols[a].role != "" && !cols[a].other) - boolInt(cols[b].role != "" && !cols[b].other)
		})
	}
	for _, i := range order {
		c := cols[i]
		key, s := "", subjectOf(trace.RoleProcessor)
		switch {
		case c.head == "revoked":
			key = w.revoked
		case c.other:
			key, s = w.e.Keys[w.other[c.role]], subjectOf(c.role)
		case c.role != "":
			key, s = w.e.Keys[w.own[c.role]], subjectOf(c.role)
		}
		path, body := r.req(w, s)
		status, answer, _ := w.call(method, path, key, body)
		out[i] = strconv.Itoa(status)
		switch {
		case status != 200:
		case r.mark != nil && !bytes.Contains(answer, []byte(r.mark(w, s))):
			out[i] += "-"
		case r.batch:
			var a struct{ Results []struct{ Status int } }
			if err := json.Unmarshal(answer, &a); err != nil || len(a.Results) != 1 {
				w.t.Fatalf("%s %s: %s", method, path, answer)
			}
			out[i] += ":" + strconv.Itoa(a.Results[0].Status)
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// diff names the cells that differ.
func diff(cols []column, got, want []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i >= len(want) || got[i] != want[i] {
			w := "?"
			if i < len(want) {
				w = want[i]
			}
			fmt.Fprintf(&b, "  %s: got %s, want %s\n", c.head, got[i], w)
		}
	}
	return b.String()
}

// matrixMarkdown is the table as the README shows it.
func matrixMarkdown(cols []column, rows []row, got [][]string) string {
	var b strings.Builder
	b.WriteString("| route |")
	for _, c := range cols {
		b.WriteString(" " + c.head + " |")
	}
	b.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(cols)) + "\n")
	for i, r := range rows {
		fmt.Fprintf(&b, "| `%s` |", r.route)
		for _, s := range got[i] {
			b.WriteString(" " + s + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// replaceSection rewrites what lies between begin and end in the file.
func replaceSection(path, begin, end, text string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(b)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %q … %q section", path, begin, end)
	}
	return os.WriteFile(path, []byte(s[:i]+begin+"\n"+text+s[j:]), 0o644)
}

// Bodies of the writes.

func inspectBody(*world, *subject) any {
	return trace.InspectInput{Results: map[string]any{"moisture": 7.1}}
}

func complaintBody(w *world, s *subject) any {
	serial := w.shelf
	if len(s.serials) > 0 {
		serial = s.serials[0]
	}
	return trace.FileInput{Serial: serial, Kind: "counterfeit", Description: "瓶盖封口有撕开的痕迹", Region: "420526"}
}

func prefixFor(w *world) string { return fmt.Sprintf("697%04d", w.unique()) }
