package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
)

// TestServePrintsLabels: the service as served runs the label printer: the
// mill prints the demo's 200 bottles and gets the PDF.
func TestServePrintsLabels(t *testing.T) {
	base, st, keys := startStory(t)
	printLabels(t, base, st, keys)
}

// printLabels prints the story's bottle labels in a print run and reads its
// PDF.
func printLabels(t *testing.T, base string, st demo.Story, keys map[string]string) {
	t.Helper()
	mill := demo.Client{Base: base, Key: keys[demo.Mill]}
	var run struct {
		Status, Error, ProgressURL, PDFURL string
		Done, Total                        int
	}
	ctx := context.Background()
	if err := mill.Do(ctx, "POST", "/api/v1/lots/"+st.BottleLot+"/print-runs", map[string]string{"layout": "a4"}, &run); err != nil {
		t.Fatal(err)
	}
	for run.Status == "queued" || run.Status == "running" {
		time.Sleep(20 * time.Millisecond) // leave the cores to the run
		if err := mill.Do(ctx, "GET", run.ProgressURL, nil, &run); err != nil {
			t.Fatal(err)
		}
	}
	if run.Status != "done" || run.Done != 200 || run.Total != 200 {
		t.Fatalf("run = %+v", run)
	}
	req, _ := http.NewRequest("GET", base+run.PDFURL, nil)
	req.Header.Set("Authorization", "Bearer "+keys[demo.Mill])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("GET %s: %d %.100q", run.PDFURL, resp.StatusCode, b)
	}
}
