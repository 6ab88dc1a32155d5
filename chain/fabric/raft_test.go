package fabric

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// orderers are the Raft orderers up.sh starts, by node.sh name.
var orderers = []string{"orderer0", "orderer1", "orderer2"}

// TestRaftLeaderOutage stops the Raft leader in the middle of a stream of
// Anchor calls: the other two elect a new leader and anchoring goes on while
// the old one is down. The time from the stop to the new leader is logged, not
// asserted; the README quotes it.
func TestRaftLeaderOutage(t *testing.T) {
	open(t, "") // skips without a network
	leader := raftLeader(t, orderers)
	t.Logf("stopping the Raft leader %s", leader)
	outage(t, leader, func(stepped <-chan int) {
		stop := time.Now()
		next := raftLeader(t, without(orderers, leader))
		t.Logf("%s leads %s after %s stopped", next, time.Since(stop).Round(100*time.Millisecond), leader)
		keepsAnchoring(t, stepped, leader)
	})
}

// TestRaftFollowerOutage stops an orderer that does not lead: anchoring goes
// on while it is down.
func TestRaftFollowerOutage(t *testing.T) {
	open(t, "")
	follower := without(orderers, raftLeader(t, orderers))[0]
	t.Logf("stopping the Raft follower %s", follower)
	outage(t, follower, func(stepped <-chan int) { keepsAnchoring(t, stepped, follower) })
}

// keepsAnchoring waits until the stream completes three more steps while
// name is down.
func keepsAnchoring(t *testing.T, stepped <-chan int, name string) {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for range 3 {
		select {
		case <-stepped:
		case <-deadline:
			t.Fatalf("anchoring did not go on within 2 minutes with %s down", name)
		}
	}
}

func without(names []string, drop string) []string {
	var out []string
	for _, n := range names {
		if n != drop {
			out = append(out, n)
		}
	}
	return out
}

// raftLeader waits, up to a minute, until exactly one of the named orderers
// reports itself the custody channel's Raft leader, and returns it.
func raftLeader(t *testing.T, names []string) string {
	t.Helper()
	var err error
	for range 300 {
		var leaders []string
		for _, n := range names {
			var lead bool
			if lead, err = isLeader(n); err != nil {
				break
			}
			if lead {
				leaders = append(leaders, n)
			}
		}
		if err == nil && len(leaders) == 1 {
			return leaders[0]
		}
		if err == nil {
			err = fmt.Errorf("leaders %v", leaders)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no single Raft leader among %v within a minute: %v", names, err)
	return ""
}

var opsAddr = regexp.MustCompile(`ORDERER_OPERATIONS_LISTENADDRESS=(\S+)`)

// isLeader reads consensus_etcdraft_is_leader for the custody channel from
// the orderer's operations endpoint, whose address its launcher holds.
func isLeader(name string) (bool, error) {
	launcher := filepath.Join(filepath.Dir(os.Getenv("AGRITRACE_FABRIC_ENV")), "run", name+".sh")
	b, err := os.ReadFile(launcher)
	if err != nil {
		return false, err
	}
	m := opsAddr.FindSubmatch(b)
	if m == nil {
		return false, fmt.Errorf("%s: no operations address", launcher)
	}
	resp, err := http.Get("http://" + string(m[1]) + "/metrics")
	if err != nil {
		return false, fmt.Errorf("%s metrics: %w", name, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), `consensus_etcdraft_is_leader{channel="custody"} `); ok {
			return v == "1", nil
		}
	}
	return false, fmt.Errorf("%s metrics: no consensus_etcdraft_is_leader for custody (%v)", name, sc.Err())
}
