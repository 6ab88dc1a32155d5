package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/label"
	"github.com/agritrace/agritrace/internal/store/mongo/mongotest"
)

// rig is several "agritrace serve" processes behind a round-robin client,
// sharing what instances must share: one store (FerretDB on PostgreSQL), one
// ledger (the Fabric network) and one set of label keys. Each has a data
// directory and an instance name of its own.
type rig struct {
	tb     testing.TB
	bin    string
	shared []string
	nodes  []*node
	next   atomic.Uint64
	http   *http.Client
}

// node is one instance: its process, while it runs, and its log; args are
// its own flags, after the shared ones.
type node struct {
	name, data, addr, metrics string
	args                      []string
	cmd                       *exec.Cmd
	done                      chan struct{}
	log                       *lockedBuffer
}

// fabricEnv is the Fabric network's client settings; without a network the
// test skips, since the embedded ledger is one process's file and cannot be
// shared by instances.
func fabricEnv(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("AGRITRACE_FABRIC_ENV")
	if path == "" {
		tb.Skip("instances must share one ledger and the embedded one cannot be shared: run scripts/fabric/up.sh and set AGRITRACE_FABRIC_ENV")
	}
	return path
}

// newRig builds the agritrace binary and starts n instances together on a
// fresh store, after creating the organizations of demo.Cast with the admin
// command; it returns the rig and an API key per organization.
func newRig(tb testing.TB, n int) (*rig, map[string]string) {
	tb.Helper()
	return newRigArgs(tb, make([][]string, n))
}

// newRigArgs is newRig with flags of each node's own, one set per node.
func newRigArgs(tb testing.TB, args [][]string) (*rig, map[string]string) {
	tb.Helper()
	n := len(args)
	fabric := fabricEnv(tb)
	r := &rig{tb: tb, bin: buildBinary(tb), http: &http.Client{Timeout: 2 * time.Minute}}
	r.shared = []string{
		"-mongodb-uri", mongotest.FerretDB(tb), "-mongodb-db", "agritrace",
		"-ledger", "fabric", "-fabric-env", fabric,
		// Every request comes from 127.0.0.1: the per-address limits would
		// answer 429 to the test rather than measure the instances.
		"-scan-limit", "1000000/1m", "-keyed-scan-limit", "1000000/1m",
		"-anchor-idle", "250ms", "-log-level", "warn",
	}
	r.shared = append(r.shared, r.labelFlags()...)
	keys := r.cast()
	for i := range n {
		data := tb.TempDir()
		// Owner-only, as the service would make it, warning in the log.
		if err := os.Chmod(data, 0o700); err != nil {
			tb.Fatal(err)
		}
		r.nodes = append(r.nodes, &node{name: fmt.Sprintf("node-%d", i+1), data: data, addr: freeAddr(tb), metrics: freeAddr(tb), args: args[i]})
	}
	tb.Cleanup(r.stop)
	var wg sync.WaitGroup
	for _, nd := range r.nodes {
		r.start(nd)
		wg.Go(func() { r.waitUp(nd) })
	}
	wg.Wait()
	for _, p := range demo.Products() {
		if err := r.do(context.Background(), keys[p.Owner], "POST", "/api/v1/products", p, nil); err != nil {
			tb.Fatalf("register %s: %v", p.GTIN, err)
		}
	}
	return r, keys
}

// buildBinary builds agritrace for the test: a killed instance must be a
// process of its own, not the test's.
func buildBinary(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "agritrace")
	if out, err := exec.Command("go", "build", "-o", path, ".").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return path
}

// labelFlags shares the label keys: in the store, encrypted under one
// secret file, when the binary has -label-secret; else one keyring file
// every instance is given, made before any starts.
func (r *rig) labelFlags() []string {
	dir := r.tb.TempDir()
	help, _ := exec.Command(r.bin, "serve", "-h").CombinedOutput()
	if strings.Contains(string(help), "-label-secret") {
		secret := make([]byte, 32)
		rand.Read(secret)
		path := filepath.Join(dir, "label-secret")
		if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(secret)+"\n"), 0o600); err != nil {
			r.tb.Fatal(err)
		}
		return []string{"-label-secret", path}
	}
	path := filepath.Join(dir, "label-keys.json")
	if _, err := label.LoadOrCreate(path); err != nil {
		r.tb.Fatal(err)
	}
	return []string{"-label-keys", path}
}

var apiKey = regexp.MustCompile(`(?m)^atk_\S+$`)

// cast creates the demo's organizations, their GS1 prefixes and an API key
// each on the shared store with the admin command, as an operator would
// before the instances take traffic.
func (r *rig) cast() map[string]string {
	data := r.tb.TempDir()
	admin := func(args ...string) string {
		args = append(append([]string{"admin"}, args...), append([]string{"-data", data, "-instance", "admin"}, r.shared...)...)
		out, err := exec.Command(r.bin, args...).CombinedOutput()
		if err != nil {
			r.tb.Fatalf("agritrace %s: %v\n%s", strings.Join(args[:3], " "), err, out)
		}
		return string(out)
	}
	keys := map[string]string{}
	for _, o := range demo.Cast() {
		args := []string{"org", "create", "-id", o.ID, "-name", o.Name, "-roles", strings.Join(o.Roles, ","), "-region", o.Region}
		if o.SCCode != "" {
			args = append(args, "-sc", o.SCCode)
		}
		admin(args...)
		keys[o.ID] = apiKey.FindString(admin("key", "create", "-org", o.ID))
	}
	for org, prefix := range demo.Prefixes() {
		admin("prefix", "add", org, prefix)
	}
	return keys
}

// start runs the node's process; its log is shown if the test fails.
func (r *rig) start(nd *node) {
	args := append(append([]string{"serve", "-addr", nd.addr, "-metrics-addr", nd.metrics, "-data", nd.data, "-instance", nd.name}, r.shared...), nd.args...)
	nd.log = &lockedBuffer{}
	nd.cmd = exec.Command(r.bin, args...)
	nd.cmd.Stdout, nd.cmd.Stderr = nd.log, nd.log
	nd.done = make(chan struct{})
	if err := nd.cmd.Start(); err != nil {
		// Errorf, not Fatalf: a restart runs off the test's goroutine.
		r.tb.Errorf("start %s: %v", nd.name, err)
		close(nd.done)
		return
	}
	go func(cmd *exec.Cmd, done chan struct{}) { cmd.Wait(); close(done) }(nd.cmd, nd.done)
}

// waitUp waits until the node answers ready, failing at once if it exits.
func (r *rig) waitUp(nd *node) {
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-nd.done:
			r.tb.Errorf("%s exited while starting: %v\n%s", nd.name, nd.cmd.ProcessState, nd.log.String())
			return
		default:
		}
		if resp, err := r.http.Get("http://" + nd.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	r.tb.Errorf("%s was not ready within 2 minutes:\n%s", nd.name, nd.log.String())
}

// kill ends the node with SIGKILL, as a crash or the OOM killer would.
func (r *rig) kill(nd *node) {
	nd.cmd.Process.Signal(syscall.SIGKILL)
	<-nd.done
}

// restart starts a killed node again under its name, on its data directory
// and address, and waits until it is ready.
func (r *rig) restart(nd *node) {
	r.start(nd)
	r.waitUp(nd)
}

// stop ends every node gracefully, showing the logs of a failed test.
func (r *rig) stop() {
	for _, nd := range r.nodes {
		if nd.cmd == nil {
			continue
		}
		nd.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-nd.done:
		case <-time.After(30 * time.Second):
			r.kill(nd)
		}
		if r.tb.Failed() {
			r.tb.Logf("log of %s:\n%s", nd.name, nd.log.String())
		}
	}
}

// errUnknown marks a write whose outcome the client cannot know: the
// instance died or the connection broke after the request was sent.
var errUnknown = errors.New("outcome unknown")

// do sends one API call as org through the next instance in turn, as a
// round-robin load balancer would. A refused connection (an instance that
// is down) goes to the next one, since nothing was sent, and so does a read
// whose answer was lost, since reading again changes nothing.
func (r *rig) do(ctx context.Context, key, method, path string, body, out any) error {
	var err error
	for range len(r.nodes) {
		nd := r.nodes[r.next.Add(1)%uint64(len(r.nodes))]
		err = demo.Client{Base: "http://" + nd.addr, Key: key, HTTP: r.http}.Do(ctx, method, path, body, out)
		_, answered := errors.AsType[*demo.APIError](err)
		if err == nil || answered {
			return err
		}
		if op, ok := errors.AsType[*net.OpError](err); (ok && op.Op == "dial") || method == "GET" {
			continue
		}
		return fmt.Errorf("%w: %s: %v", errUnknown, nd.name, err)
	}
	return err
}

// on sends one call to the given node.
func (r *rig) on(nd *node, key, method, path string, out any) error {
	return demo.Client{Base: "http://" + nd.addr, Key: key, HTTP: r.http}.Do(context.Background(), method, path, nil, out)
}

// pending reads the outbox gauge from the node's metrics.
func (r *rig) pending(nd *node) (string, error) {
	resp, err := r.http.Get("http://" + nd.metrics + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^agritrace_outbox_pending (\S+)$`).FindSubmatch(b)
	if m == nil {
		return "", fmt.Errorf("%s: no agritrace_outbox_pending in its metrics", nd.name)
	}
	return string(m[1]), nil
}

// eventually polls check until it returns nil, or fails the test with its
// last error after the deadline.
func eventually(tb testing.TB, what string, within time.Duration, check func() error) {
	tb.Helper()
	deadline := time.Now().Add(within)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %s: %v", what, within, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}
