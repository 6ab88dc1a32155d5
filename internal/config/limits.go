package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a token bucket: N requests at once, refilled at N per Per, so a
// client that keeps calling gets N per Per on average.
type Rate struct {
	N   int
	Per time.Duration
}

// String writes the rate as ParseRate reads it, with whole minutes and hours
// written short (60/1m, not 60/1m0s).
func (r Rate) String() string {
	per := r.Per.String()
	if strings.HasSuffix(per, "m0s") {
		per = strings.TrimSuffix(per, "0s")
	}
	if strings.HasSuffix(per, "h0m") {
		per = strings.TrimSuffix(per, "0m")
	}
	return fmt.Sprintf("%d/%s", r.N, per)
}

// ParseRate reads a rate written N/duration, such as 60/1m.
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(s, "/")
	r := Rate{}
	var err error
	if r.N, err = strconv.Atoi(n); !ok || err != nil || r.N < 1 {
		return Rate{}, fmt.Errorf("%q is not a rate such as 60/1m: the count must be a positive number", s)
	}
	if r.Per, err = time.ParseDuration(per); err != nil || r.Per <= 0 {
		return Rate{}, fmt.Errorf("%q is not a rate such as 60/1m: the period must be a duration", s)
	}
	return r, nil
}

// Limits are the rate limits of the public endpoints. Anonymous callers are
// counted by client address (IPv6 by /64), callers with an API key by
// organization, with a budget of their own.
type Limits struct {
	Scans, KeyedScans           Rate
	Complaints, KeyedComplaints Rate
}

// DefaultLimits are the limits when none are configured: a phone scans a
// few bottles a minute and a shop's NAT a few dozen; a consumer reports a
// fake once or twice; an inspector's or a retailer's key scans and reports
// for a whole team.
var DefaultLimits = Limits{
	Scans:           Rate{60, time.Minute},
	KeyedScans:      Rate{600, time.Minute},
	Complaints:      Rate{5, time.Hour},
	KeyedComplaints: Rate{100, time.Hour},
}
