package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/backup"
	"github.com/agritrace/agritrace/internal/store/sqlite"
)

// TestMain doubles as a backup that stalls once its ledger is copied, for
// TestBackupKilled to kill: a real process, stopped where a crash would
// leave a half-written backup.
func TestMain(m *testing.M) {
	if data := os.Getenv("AGRITRACE_TEST_STALLED_BACKUP"); data != "" {
		stalledBackup(data, os.Getenv("AGRITRACE_TEST_BACKUP_TO"))
		return
	}
	os.Exit(m.Run())
}

func stalledBackup(data, to string) {
	src := backup.Sources{Store: filepath.Join(data, "agritrace.db"), Ledger: filepath.Join(data, "ledger.log"), LabelKeys: filepath.Join(data, "label-keys.json")}
	_, _, err := backup.Create(context.Background(), src, to, func(step string) {
		if strings.HasPrefix(step, "ledger copied") {
			os.WriteFile(filepath.Join(to, "stalled"), nil, 0o600)
			select {}
		}
	})
	if err != nil {
		os.Stderr.WriteString(err.Error())
		os.Exit(1)
	}
}

// demoData is a data directory holding the demo story, every event anchored.
func demoData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"demo", "-exit", "-data", dir, "-addr", "127.0.0.1:0"}, noenv, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	return dir
}

// backupOf runs "agritrace backup" and returns the backup directory made.
func backupOf(t *testing.T, data, to string) string {
	t.Helper()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "-data", data, "-to", to}, noenv, &out, io.Discard); err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	m := regexp.MustCompile(`backup written to (\S+) `).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("backup named no directory:\n%s", out.String())
	}
	return m[1]
}

func restore(from, data string, extra ...string) (string, error) {
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"restore", "-from", from, "-data", data}, extra...), noenv, &out, io.Discard)
	return out.String(), err
}

// TestBackupWhileServing backs up a service while a generated season is
// written into it and anchored, then restores each backup: every chain in
// every one verifies against its ledger, and the restored directory serves.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	base, _ := startServe(t, dir)
	var demoOut bytes.Buffer
	tellDemo(t, base, dir, &demoOut)
	loaded := make(chan error, 1)
	go func() {
		loaded <- run(context.Background(), []string{"demo", "-url", base, "-data", dir, "-graph", "300"}, noenv, io.Discard, io.Discard)
	}()
	to := t.TempDir()
	var backups []string
	for done := false; !done; {
		select {
		case err := <-loaded:
			if err != nil {
				t.Fatalf("demo -graph: %v", err)
			}
			done = true
		default:
		}
		backups = append(backups, backupOf(t, dir, to))
	}
	// Restore the backups that differ, up to eight spread over the load.
	var picked []string
	seen := map[[2]uint64]bool{}
	for i := range 8 {
		b := backups[i*(len(backups)-1)/7]
		m := manifest(t, b)
		key := [2]uint64{m.LedgerBlocks, m.LedgerCutAt}
		if !seen[key] {
			seen[key] = true
			picked = append(picked, b)
		}
	}
	if len(seen) < 2 {
		t.Errorf("all %d backups hold the same ledger: none was taken while the load was anchored", len(backups))
	}
	for _, b := range picked {
		restored := filepath.Join(t.TempDir(), "data")
		out, err := restore(b, restored)
		if err != nil || !strings.Contains(out, "verified") {
			t.Fatalf("restore %s: %v\n%s", b, err, out)
		}
		if fi, err := os.Stat(restored); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("restored data directory: %v, %v; want mode 0700", fi, err)
		}
	}
	restored := filepath.Join(t.TempDir(), "data")
	if out, err := restore(backups[len(backups)-1], restored); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	again, _ := startServe(t, restored)
	u := shelfURL(t, demoOut.String())
	if v := scanVerdict(t, again+u[strings.Index(u, "/01/"):]); v != "genuine" {
		t.Errorf("a shelf bottle scanned on the restored service: %s, want genuine", v)
	}
}

// TestBackupKilled kills a backup process midway: the backup taken before
// it is untouched and restores, and what the killed one left is not taken
// for a backup.
func TestBackupKilled(t *testing.T) {
	data := demoData(t)
	to := t.TempDir()
	previous := backupOf(t, data, to)
	before := sums(t, previous)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "AGRITRACE_TEST_STALLED_BACKUP="+data, "AGRITRACE_TEST_BACKUP_TO="+to)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	for range 600 {
		if _, err := os.Stat(filepath.Join(to, "stalled")); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the stalled backup finished instead of being killed")
	}
	partial, _ := filepath.Glob(filepath.Join(to, ".partial-*"))
	if len(partial) != 1 {
		t.Fatalf("partial backups left: %v, want the killed one", partial)
	}
	if _, err := os.Stat(filepath.Join(partial[0], "ledger.log")); err != nil {
		t.Fatalf("the killed backup had not copied its ledger: %v", err)
	}
	if out, err := restore(partial[0], t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a complete backup") {
		t.Errorf("restore of the killed backup = %v\n%s; want it refused", err, out)
	}
	if after := sums(t, previous); !bytes.Equal(after, before) {
		t.Errorf("the previous backup changed:\n%s\n%s", before, after)
	}
	if out, err := restore(previous, filepath.Join(t.TempDir(), "data")); err != nil {
		t.Errorf("restore of the previous backup: %v\n%s", err, out)
	}
}

// sums lists the files of dir with their SHA-256; nothing when there is no
// dir.
func sums(t *testing.T, dir string) []byte {
	t.Helper()
	var b bytes.Buffer
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		c, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(c)
		b.WriteString(e.Name() + " " + hex.EncodeToString(h[:]) + "\n")
	}
	return b.Bytes()
}

// TestRestoreRefuses: a restore that would lose data, or serve a damaged or
// tampered record, is refused and leaves the data directory as it was.
func TestRestoreRefuses(t *testing.T) {
	data := demoData(t)
	good := backupOf(t, data, t.TempDir())
	lot := firstLot(t, filepath.Join(good, "agritrace.db"))
	tests := []struct {
		name  string
		spoil func(t *testing.T, b string)
		into  func(t *testing.T) string
		flags []string
		want  string
	}{
		{name: "non-empty data directory", into: nonEmpty, want: "is not empty"},
		{name: "forced over a data directory", into: nonEmpty, flags: []string{"-force"}},
		{name: "damaged file", spoil: func(t *testing.T, b string) {
			flipByte(t, filepath.Join(b, "ledger.log"))
		}, want: "ledger.log does not match the manifest"},
		{name: "tampered event", spoil: func(t *testing.T, b string) {
			st, err := sqlite.Open(context.Background(), filepath.Join(b, "agritrace.db"))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB().Exec(`UPDATE events SET doc = json_set(doc, '$.quantity', 9000000) WHERE lot = ? AND seq = 0`, lot); err != nil {
				t.Fatal(err)
			}
			st.Close()
			resum(t, b)
		}, want: "event " + lot + ": mismatch at seq 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := filepath.Join(t.TempDir(), "backup")
			if err := os.CopyFS(b, os.DirFS(good)); err != nil {
				t.Fatal(err)
			}
			if tc.spoil != nil {
				tc.spoil(t, b)
			}
			into := filepath.Join(t.TempDir(), "data")
			if tc.into != nil {
				into = tc.into(t)
			}
			before := sums(t, into)
			out, err := restore(b, into, tc.flags...)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("restore: %v\n%s", err, out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore = %v\n%s; want %q", err, out, tc.want)
			}
			if after := sums(t, into); !bytes.Equal(before, after) {
				t.Errorf("a refused restore changed %s", into)
			}
		})
	}
}

func nonEmpty(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "agritrace.db"), []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func flipByte(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func manifest(t *testing.T, b string) backup.Manifest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(b, "MANIFEST.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m backup.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// resum rewrites the manifest of backup b to match its files, as someone
// covering an edit would.
func resum(t *testing.T, b string) {
	t.Helper()
	m := manifest(t, b)
	for i, f := range m.Files {
		c, err := os.ReadFile(filepath.Join(b, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(c)
		m.Files[i].Size, m.Files[i].SHA256 = int64(len(c)), hex.EncodeToString(h[:])
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b, "MANIFEST.json"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// firstLot names a lot of the store at path.
func firstLot(t *testing.T, path string) string {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var lot string
	if err := st.DB().QueryRow(`SELECT lot FROM events WHERE seq = 0 ORDER BY lot LIMIT 1`).Scan(&lot); err != nil {
		t.Fatal(err)
	}
	return lot
}
