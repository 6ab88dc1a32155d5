package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/config"
	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// limiter keeps one token bucket per client key. Buckets idle for an hour are
// dropped so the map does not grow with every address that ever called. It
// lives in the process: each instance of the service counts on its own.
type limiter struct {
	mu      sync.Mutex
	rate    config.Rate
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	*rate.Limiter
	seen time.Time
}

func newLimiter(r config.Rate) *limiter {
	return &limiter{rate: r, buckets: map[string]*bucket{}}
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
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{Limiter: rate.NewLimiter(rate.Every(l.rate.Per/time.Duration(l.rate.N)), l.rate.N)}
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

// publicLimit is the budget of one kind of public request: anonymous callers
// share one bucket per client address, callers with an API key one per
// organization.
type publicLimit struct {
	anon, keyed *limiter
	// what names the requests in the answer to a caller over the limit.
	what string
}

func newPublicLimit(what string, anon, keyed config.Rate) *publicLimit {
	return &publicLimit{anon: newLimiter(anon), keyed: newLimiter(keyed), what: what}
}

// limit is middleware spending one request of l's budget; a caller over it
// gets 429 with Retry-After, in whole seconds, until a request is allowed
// again. A key that does not authenticate counts as no key: the handler
// refuses it if it must.
func (s *Server) limit(l *publicLimit) gin.HandlerFunc {
	return func(c *gin.Context) {
		var wait time.Duration
		by := "address"
		if org, ok, err := s.bearer(c); ok && err == nil {
			wait, by = l.keyed.take(org.ID), "organization"
		} else {
			wait = l.anon.take(clientKey(c.ClientIP()))
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
