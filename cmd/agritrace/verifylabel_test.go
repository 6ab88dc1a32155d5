package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
)

// startStory runs the service as demo does, on a loopback port and a fresh
// data directory, tells the rapeseed story and waits until it is anchored.
// It returns the service's base URL and the story.
// startStory serves the demo story and returns the base URL, the story and
// the cast's API keys.
func startStory(t *testing.T) (string, demo.Story, map[string]string) {
	t.Helper()
	return startStoryIn(t, t.TempDir())
}

// startStoryIn is startStory with the data directory dir.
func startStoryIn(t *testing.T, dir string) (string, demo.Story, map[string]string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load("test", []string{"-data", dir, "-addr", ln.Addr().String(), "-anchor-idle", "50ms"}, noenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, err := open(ctx, cfg, newLogger(io.Discard, slog.LevelError), true)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	keys, err := castKeys(ctx, a)
	if err != nil {
		ln.Close()
		a.Close()
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- a.serveHTTP(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	base := "http://" + ln.Addr().String()
	st, err := demo.Run(ctx, base, keys, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	if _, err := demo.WaitAnchored(waitCtx, base, st); err != nil {
		t.Fatal(err)
	}
	return base, st, keys
}

// verifyLabelCmd runs agritrace verify-label with args.
func verifyLabelCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"verify-label"}, args...), noenv, &out, &errOut)
	t.Logf("verify-label %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errOut.String())
	return out.String(), err
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// withQuery returns raw with its query parameters k and s replaced.
func withQuery(t *testing.T, raw, path, k, s string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if path != "" {
		u.RawPath, u.Path = "", path
	}
	u.RawQuery = url.Values{"k": {k}, "s": {s}}.Encode()
	return u.String()
}

func TestVerifyLabel(t *testing.T) {
	base, st, apiKeys := startStory(t)
	bottles := st.BottleURLs // one per case: each scan is recorded, and many scans of one bottle look like a clone
	keys := filepath.Join(t.TempDir(), "label-keys.json")
	if _, err := verifyLabelCmd(t, "-save-keys", keys, "-from", base); err != nil {
		t.Fatal(err)
	}
	forger := label.NewKeyring()

	t.Run("genuine label photo verifies offline and online", func(t *testing.T) {
		link, err := label.ParseLink(bottles[10])
		if err != nil {
			t.Fatal(err)
		}
		// The mill that packed the bottle prints its label.
		req, _ := http.NewRequest("GET", base+"/api/v1/units/"+link.Serial+"/label.png", nil)
		req.Header.Set("Authorization", "Bearer "+apiKeys[demo.Mill])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		png, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		version, modules, err := label.Size(bottles[10])
		if err != nil {
			t.Fatal(err)
		}
		// Flags after the argument are accepted, as people type them.
		out, err := verifyLabelCmd(t, writeFile(t, "label.png", png), "-keys", keys, "-service", base)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, out, "Serial    "+link.Serial, "Lot       "+link.Lot, "Key id    "+link.KeyID,
			"Offline   signature valid", "Online    genuine", "Result    PASS")
		mustContain(t, out, fmt.Sprintf("QR code   version %d, %d×%d modules", version, modules, modules))
	})

	t.Run("genuine label URL as JSON", func(t *testing.T) {
		out, err := verifyLabelCmd(t, "-keys", keys, "-service", base, "-json", bottles[11])
		if err != nil {
			t.Fatal(err)
		}
		var r labelReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		link, _ := label.ParseLink(bottles[11])
		if !r.OK || r.Result != "pass" || r.Source != "url" || r.Serial != link.Serial || r.GTIN != link.GTIN || r.Offline.Verdict != "valid" ||
			r.Online == nil || !r.Online.Available || r.Online.Verdict != "genuine" || r.QR.Version == 0 {
			t.Errorf("report %+v, online %+v", r, r.Online)
		}
	})

	t.Run("a resolver that answers JSON with the linkset", func(t *testing.T) {
		// The GS1-Conformant resolver standard lets a resolver answer an
		// application/json request for a Digital Link with its linkset: this
		// front, the service the user configured, does so by asking our
		// resolver for the linkset, and serves our pages as its own.
		var front *httptest.Server
		front = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			req, _ := http.NewRequest("GET", base+r.URL.RequestURI(), nil)
			req.Header.Set("Accept", r.Header.Get("Accept"))
			if strings.HasPrefix(r.URL.Path, "/01/") {
				req.Header.Set("Accept", "application/linkset+json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
			w.WriteHeader(resp.StatusCode)
			w.Write(bytes.ReplaceAll(body, []byte(base), []byte(front.URL)))
		}))
		t.Cleanup(front.Close)
		out, err := verifyLabelCmd(t, "-keys", keys, "-service", front.URL, "-json", bottles[17])
		if err != nil {
			t.Fatal(err)
		}
		var r labelReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Online == nil || !r.Online.Available || r.Online.Verdict != "genuine" {
			t.Errorf("online %+v, want the genuine verdict of the linkset's default link", r.Online)
		}
	})

	t.Run("forged signature fails offline", func(t *testing.T) {
		link, _ := label.ParseLink(bottles[12])
		_, sig := forger.Sign(link.GTIN, link.Lot, link.Serial)
		forged := withQuery(t, bottles[12], "", link.KeyID, sig)
		out, err := verifyLabelCmd(t, "-keys", keys, "-service", base, forged)
		if !errors.Is(err, errLabelFailed) {
			t.Fatalf("err = %v, want errLabelFailed", err)
		}
		mustContain(t, out, "Offline   signature INVALID: "+label.ErrSignatureMismatch.Error()+" [bad_signature]",
			"Online    not_genuine", "bad_signature:", "Result    FAIL")
	})

	t.Run("unknown serial with a wrong signature fails", func(t *testing.T) {
		// A forger prints a serial of their own, signed with their own key
		// but naming ours, as a QR code on a fake bottle.
		link, _ := label.ParseLink(bottles[13])
		serial := forger.NewSerial()
		_, sig := forger.Sign(link.GTIN, link.Lot, serial)
		fake := withQuery(t, bottles[13], "/01/"+link.GTIN+"/10/"+link.Lot+"/21/"+serial, link.KeyID, sig)
		png, err := label.PNG(fake, 256)
		if err != nil {
			t.Fatal(err)
		}
		out, err := verifyLabelCmd(t, "-keys", keys, "-service", base, "-json", writeFile(t, "fake.png", png))
		if !errors.Is(err, errLabelFailed) {
			t.Fatalf("err = %v, want errLabelFailed", err)
		}
		var r labelReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.OK || r.Result != "fail" || r.Serial != serial || r.Offline.Code != "bad_signature" || r.Online == nil || r.Online.Verdict != "not_genuine" ||
			len(r.Online.Reasons) == 0 || r.Online.Reasons[0].Code != "unknown_serial" {
			t.Errorf("report %+v, online %+v", r, r.Online)
		}
	})

	t.Run("offline with no server reachable", func(t *testing.T) {
		// The signature covers the path, not the host: point the label at a
		// port nobody listens on.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := ln.Addr().String()
		ln.Close()
		link, _ := label.ParseLink(bottles[14])
		u, _ := url.Parse(bottles[14])
		u.Host = dead
		out, err := verifyLabelCmd(t, "-keys", keys, "-offline", u.String())
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, out, "Serial    "+link.Serial, "Offline   signature valid", "Online    not asked (-offline)", "Result    PASS")

		// With -service the status comes from the configured service,
		// whatever host the label names.
		out, err = verifyLabelCmd(t, "-keys", keys, "-service", base, u.String())
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, out, "Online    genuine, says "+base, "Result    PASS")
	})

	t.Run("fails closed without a configured service", func(t *testing.T) {
		// A forger copies a genuine label's signed path into a QR code that
		// names a server of theirs, which calls everything genuine.
		fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"verdict":"genuine","reasons":[]}`)
		}))
		t.Cleanup(fake.Close)
		forged := strings.Replace(bottles[18], base, fake.URL, 1)
		// A dead service the user configured is no better.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := "http://" + ln.Addr().String()
		ln.Close()
		// Nor is a configured service that redirects elsewhere.
		bouncer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, fake.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}))
		t.Cleanup(bouncer.Close)
		tests := []struct {
			name   string
			args   []string
			online string
		}{
			{"the host in the QR code is not asked", []string{forged}, "online check unavailable: no service configured"},
			{"a dead configured service", []string{"-service", dead, forged}, "online check unavailable: "},
			{"a redirect to another host is not followed", []string{"-service", bouncer.URL, forged}, "which is not the configured service"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				out, err := verifyLabelCmd(t, append([]string{"-keys", keys}, tt.args...)...)
				if !errors.Is(err, errLabelUnverified) {
					t.Fatalf("err = %v, want errLabelUnverified", err)
				}
				mustContain(t, out, "Offline   signature valid", tt.online, "Result    UNVERIFIED")
				if strings.Contains(out, "PASS") || strings.Contains(out, "says "+fake.URL) {
					t.Error("the forger's server vouched for the label")
				}
			})
		}
		// The same label checked with the real service passes: the path is
		// genuine, whatever host the QR code names.
		out, err := verifyLabelCmd(t, "-keys", keys, "-service", base, forged)
		if err != nil {
			t.Fatal(err)
		}
		mustContain(t, out, "Online    genuine, says "+base, "Result    PASS")
	})

	t.Run("usage errors", func(t *testing.T) {
		tests := []struct {
			args []string
			want string
		}{
			{[]string{bottles[15]}, "pass -keys FILE, or fetch them once with -save-keys FILE -from BASEURL"},
			{[]string{"-save-keys", keys}, "-save-keys needs -from BASEURL"},
			{[]string{"-from", base, bottles[15]}, "-from goes with -save-keys"},
			{[]string{"-keys", keys}, "give a label image or URL"},
			{[]string{"-keys", keys, bottles[15], bottles[16]}, "one label at a time"},
			{[]string{"-keys", filepath.Join(t.TempDir(), "none.json"), bottles[15]}, "no such file"},
			{[]string{"-keys", keys, filepath.Join(t.TempDir(), "none.png")}, "no such file"},
			{[]string{"-keys", keys, writeFile(t, "notes.txt", []byte("hello"))}, "not a PNG or JPEG image"},
			{[]string{"-keys", keys, base + "/api/v1/lots"}, "not an AgriTrace label"},
		}
		for _, tt := range tests {
			_, err := verifyLabelCmd(t, tt.args...)
			if err == nil || errors.Is(err, errLabelFailed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: err = %v, want %q", tt.args, err, tt.want)
			}
		}
	})
}
