package api

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per client key. Buckets idle for an hour are
// dropped so the map does not grow with every address that ever called. It
// lives in the process: each instance of the service counts on its own, and
// with peers set spends only its share of the rate (see share).
type limiter struct {
	mu      sync.Mutex
	rate    config.Rate
	buckets map[string]*bucket
	swept   time.Time
	// peers, when set, says how many instances are running; each allows
	// 1/peers of the rate, so that together they never allow more than it.
	peers func() int
	// shares is the count of instances the buckets are sized for.
	shares int
}

type bucket struct {
	*rate.Limiter
	seen time.Time
}

func newLimiter(r config.Rate) *limiter {
	return &limiter{rate: r, buckets: map[string]*bucket{}, shares: 1}
}

// share is a bucket's refill and burst for one of n instances: the rate
// divided by n, with a burst of at least one request.
func (l *limiter) share(n int) (rate.Limit, int) {
	return rate.Every(l.rate.Per * time.Duration(n) / time.Duration(l.rate.N)), max(1, l.rate.N/n)
}

// take spends a token of key's bucket; when there is none it spends nothing
// and says how long until there is.
func (l *limiter) take(key string) (wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.swept) > time.Hour {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > max(time.Hour, l.rate.Per) {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	if l.peers != nil {
		if n := max(1, l.peers()); n != l.shares {
			l.shares = n
			r, burst := l.share(n)
			for _, b := range l.buckets {
				b.SetLimitAt(now, r)
				b.SetBurstAt(now, burst)
			}
		}
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{Limiter: rate.NewLimiter(l.share(l.shares))}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// allow is take for callers that need no wait.
func (l *limiter) allow(key string) bool { return l.take(key) == 0 }

// spend implements budget.
func (l *limiter) spend(_ context.Context, key string) (time.Duration, error) {
	return l.take(key), nil
}

// budget spends one request of a client key's allowance, or says how long
// until there is one.
type budget interface {
	spend(ctx context.Context, key string) (time.Duration, error)
}

// publicLimit is the budget of one kind of public request: anonymous callers
// share one allowance per client address, callers with an API key one per
// organization.
type publicLimit struct {
	anon, keyed budget
	// what names the requests in the answer to a caller over the limit.
	what string
}

// newPublicLimit keeps the allowances in this process's memory; with peers
// set, each instance allows its share (see limiter.peers).
func newPublicLimit(what string, anon, keyed config.Rate, peers func() int) *publicLimit {
	a, k := newLimiter(anon), newLimiter(keyed)
	a.peers, k.peers = peers, peers
	return &publicLimit{anon: a, keyed: k, what: what}
}

// newSharedLimit keeps the allowances in the store, exact across every
// instance sharing it, at the cost of a store round trip per request.
func newSharedLimit(what string, st trace.Store, anon, keyed config.Rate) *publicLimit {
	sw := &sweeper{store: st, window: max(anon.Per, keyed.Per)}
	return &publicLimit{what: what,
		anon:  &storeBudget{store: st, rate: anon, key: what + "/address/", sweep: sw},
		keyed: &storeBudget{store: st, rate: keyed, key: what + "/organization/", sweep: sw}}
}

// storeBudget counts a client key's requests as hits in the store: a
// sliding window of rate.Per holding at most rate.N of them.
type storeBudget struct {
	store trace.Store
	rate  config.Rate
	// key prefixes the client key, so that budgets count apart.
	key   string
	sweep *sweeper
}

func (b *storeBudget) spend(ctx context.Context, key string) (time.Duration, error) {
	now := time.Now()
	if err := b.sweep.run(ctx, now); err != nil {
		return 0, err
	}
	return b.store.TakeHit(ctx, b.key+key, now, b.rate.N, b.rate.Per)
}

// sweepEvery is how often an instance has the store forget expired hits.
// On FerretDB's SQLite backend a TakeHit scans the hits kept, so keeping
// only those of about the last window keeps it cheap.
const sweepEvery = 10 * time.Minute

// sweeper has the store forget hits older than the longest window, every
// sweepEvery per instance.
type sweeper struct {
	store  trace.Store
	window time.Duration
	mu     sync.Mutex
	last   time.Time
}

func (s *sweeper) run(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.last) < sweepEvery {
		return nil
	}
	if err := s.store.ExpireHits(ctx, now.Add(-s.window)); err != nil {
		return err
	}
	s.last = now
	return nil
}

// limit is middleware spending one request of l's budget; a caller over it
// gets 429 with Retry-After, in whole seconds, until a request is allowed
// again. A key that does not authenticate counts as no key: the handler
// refuses it if it must.
func (s *Server) limit(l *publicLimit) gin.HandlerFunc {
	return func(c *gin.Context) {
		var wait time.Duration
		var err error
		by := "address"
		if org, ok, berr := s.bearer(c); ok && berr == nil {
			wait, err = l.keyed.spend(c.Request.Context(), org.ID)
			by = "organization"
		} else {
			wait, err = l.anon.spend(c.Request.Context(), clientKey(c.ClientIP()))
		}
		if err != nil {
			s.fail(c, fmt.Errorf("rate limit of %s: %w", l.what, err))
			return
		}
		if wait == 0 {
			c.Next()
			return
		}
		c.Header("Retry-After", fmt.Sprint(int(math.Ceil(wait.Seconds()))))
		c.AbortWithStatusJSON(http.StatusTooManyRequests, errorBody{Error: errorDetail{Code: "rate_limited",
			Message: fmt.Sprintf("too many %s from this %s; try again in %s", l.what, by, wait.Round(time.Second))}})
	}
}

// clientKey is the rate-limit key of a client address: an IPv4 address, or
// the /64 network of an IPv6 one, since one subscriber is given a whole /64
// and could otherwise take a fresh address per request.
func clientKey(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		return addr
	case ip.To4() != nil:
		return ip.To4().String()
	default:
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
}
