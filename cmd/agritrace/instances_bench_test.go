package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
)

// BenchmarkInstances measures writes through the API on the rig of
// TestThreeInstances (FerretDB on PostgreSQL, Fabric, shared label keys)
// with one instance and with three behind the round-robin client. Twelve
// clients each buy in a lot and inspect it twice, again and again, on lots
// of their own so that no write waits for another; every write is one
// event, so events/s is writes answered a second. scripts/bench/instances.sh
// runs it; the README gives its figures.
func BenchmarkInstances(b *testing.B) {
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			r, keys := newRig(b, n)
			run := rand.Text()[:6]
			// One write first, so that the store's first documents (its
			// counters) are not made by twelve writers at once.
			warm := trace.CommissionInput{GTIN: demo.Seed, Lot: "S" + run + "W", Quantity: 1000, Origin: &trace.Origin{Region: "420526101201", Village: "桃园村"}}
			if err := r.do(context.Background(), keys[demo.Collector], "POST", "/api/v1/lots", warm, nil); err != nil {
				b.Fatal(err)
			}
			const clients = 12
			jobs := make(chan struct{})
			var wg sync.WaitGroup
			for c := range clients {
				wg.Go(func() { benchClient(b, r, keys[demo.Collector], fmt.Sprintf("%s%02d", run, c), jobs) })
			}
			before := r.cpu()
			// A job is handed to a client when it is free, so the loop
			// runs at the pace the instances answer.
			for b.Loop() {
				jobs <- struct{}{}
			}
			close(jobs)
			wg.Wait()
			after := r.cpu()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			for i, what := range []string{"ferretdb+clients", "postgres", "instances"} {
				b.ReportMetric(float64((after[i]-before[i]).Milliseconds())/float64(b.N), what+"-cpu-ms/event")
			}
		})
	}
}

// cpu is the processor time used so far by this process (FerretDB runs
// in it, with the load's clients), by the postgres user's processes (the
// rig's cluster: the machine runs no other) and by the instances, so that a
// figure says which part the load is waiting for.
func (r *rig) cpu() [3]time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var pg, nodes time.Duration
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		if info, err := os.Stat(p); err == nil && info.Sys().(*syscall.Stat_t).Uid == postgresUID() {
			pg += procCPU(p)
		}
	}
	for _, nd := range r.nodes {
		nodes += procCPU(fmt.Sprintf("/proc/%d/stat", nd.cmd.Process.Pid))
	}
	return [3]time.Duration{self, pg, nodes}
}

// postgresUID is the postgres user's id, or an id no process has.
func postgresUID() uint32 {
	u, err := user.Lookup("postgres")
	if err != nil {
		return math.MaxUint32
	}
	id, _ := strconv.Atoi(u.Uid)
	return uint32(id)
}

// procCPU reads a process's user and system time from /proc/PID/stat, in
// clock ticks of 10 ms (Linux's USER_HZ).
func procCPU(path string) time.Duration {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count after it.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// benchClient does one write per job: a commission, then two inspections of
// that lot.
func benchClient(b *testing.B, r *rig, key, name string, jobs <-chan struct{}) {
	ctx := context.Background()
	inspect := trace.InspectInput{Results: map[string]any{"moisture": 7.4, "grade": "二等"}}
	lot, i := "", 0
	for range jobs {
		var err error
		if i%3 == 0 {
			number := fmt.Sprintf("S%s%d", name, i)
			lot = trace.LotID(demo.Seed, number)
			err = r.do(ctx, key, "POST", "/api/v1/lots", trace.CommissionInput{
				GTIN: demo.Seed, Lot: number, Quantity: 1_000_000, Origin: &trace.Origin{Region: "420526101201", Village: "桃园村"},
			}, nil)
		} else {
			err = r.do(ctx, key, "POST", "/api/v1/lots/"+lot+"/inspect", inspect, nil)
		}
		if err != nil {
			b.Errorf("client %s: %v", name, err)
		}
		i++
	}
}
