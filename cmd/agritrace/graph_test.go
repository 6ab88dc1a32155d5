package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"testing"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// TestDemoGraph loads a small generated season into a running service and
// reads the trace of the lot it names deepest: it has the depth promised, and
// the printed key may read it. Its lines are the contract scripts/bench.sh
// parses.
func TestDemoGraph(t *testing.T) {
	dir := t.TempDir()
	base, _ := startServe(t, dir)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-url", base, "-data", dir, "-graph", "300"}, noenv, &out, &out); err != nil {
		t.Fatalf("demo -graph: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`(?m)^lots: (\d+)\nevents: (\d+)\ndeepest lot: (\S+) \(depth (\d+)\)\nkey: (\S+)$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no totals, deepest lot and key in:\n%s", out.String())
	}
	lots, _ := strconv.Atoi(m[1])
	events, _ := strconv.Atoi(m[2])
	depth, _ := strconv.Atoi(m[4])
	if lots < 300 || lots > 330 || events < 8*lots || events > 12*lots || depth < 10 {
		t.Errorf("%d lots, %d events, depth %d: want about 300 lots of about ten events, and depth", lots, events, depth)
	}
	var g trace.Graph
	if err := (demo.Client{Base: base, Key: m[5]}).Do(context.Background(), "GET", "/api/v1/lots/"+m[3]+"/trace", nil, &g); err != nil {
		t.Fatal(err)
	}
	if got := graphDepth(g, g.Root, map[string]int{}); got != depth {
		t.Errorf("trace of %s is %d levels deep, the demo said %d", m[3], got, depth)
	}
}

// graphDepth is the longest chain of parents above lot in g.
func graphDepth(g trace.Graph, lot string, memo map[string]int) int {
	if d, ok := memo[lot]; ok {
		return d
	}
	d := 0
	for _, e := range g.Edges {
		if e.To == lot {
			d = max(d, 1+graphDepth(g, e.From, memo))
		}
	}
	memo[lot] = d
	return d
}
