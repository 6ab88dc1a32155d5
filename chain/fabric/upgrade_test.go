package fabric

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/agritrace/agritrace/chain/custody"
)

// TestChaincodeServerOutage: one organization's chaincode server stops;
// endorsements wait for it, and nothing is lost or written twice.
func TestChaincodeServerOutage(t *testing.T) { outage(t, "cc-regulator", nil) }

// TestChaincodeUpgrade runs scripts/fabric/upgrade.sh while records stream
// in: both organizations approve the next sequence, the new servers take
// over at its commit, and every record lands exactly once, in order.
func TestChaincodeUpgrade(t *testing.T) {
	l := open(t, "")
	lots := [][]custody.Record{chain(lotKey(t), 40), chain(lotKey(t), 40)}
	st := startStream(l, lots, 10*time.Second)
	stepped, done := st.stepped, st.done
	for i := range stepped {
		if i == 3 {
			break
		}
	}
	out, err := exec.Command(filepath.Join("..", "..", "scripts", "fabric", "upgrade.sh")).CombinedOutput()
	if err != nil {
		t.Fatalf("upgrade.sh: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`upgrading custody from sequence (\d+) to (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("upgrade.sh said:\n%s", out)
	}
	from, _ := strconv.Atoi(string(m[1]))
	to, _ := strconv.Atoi(string(m[2]))
	if to != from+1 || !regexp.MustCompile(`upgraded: custody sequence `+string(m[2])).Match(out) {
		t.Fatalf("upgrade.sh said:\n%s", out)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("refused during the upgrade: %v", err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("the stream did not finish within 3 minutes of the upgrade")
	}
	// A record written now is endorsed by the new servers only: the old
	// ones are gone.
	after := chain(lotKey(t), 1)
	if _, err := l.Anchor(ctx, after); err != nil {
		t.Fatalf("after the upgrade: %v", err)
	}
	for _, c := range lots {
		got, err := l.Chain(ctx, custody.KindEvent, c[0].Key)
		if err != nil || len(got) != len(c) {
			t.Fatalf("%s holds %d records (%v), want %d", c[0].Key, len(got), err, len(c))
		}
		for i := range got {
			if !got[i].Record.Equal(c[i]) {
				t.Fatalf("%s[%d] = %+v, want %+v", c[0].Key, i, got[i], c[i])
			}
		}
	}
}
