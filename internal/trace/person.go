package trace

import "context"

type personKey struct{}

// WithPerson returns ctx carrying the login of the person who acts: the
// console sets it for every request of a signed-in user, and every record the
// request makes (custody events, complaint trail and licence entries) names
// that person beside the organization, inside the hashed record. Machines
// with API keys act without one, and their records leave "person" out, so
// their hashes are those of before persons existed.
func WithPerson(ctx context.Context, login string) context.Context {
	return context.WithValue(ctx, personKey{}, login)
}

// PersonFrom returns the login WithPerson put in ctx, or "".
func PersonFrom(ctx context.Context) string {
	p, _ := ctx.Value(personKey{}).(string)
	return p
}

// stamp names person in every event of the change and hashes the chain again:
// an event's hash covers its person, and the next event of the same lot in
// this change covers that hash. The builder stamps here, once, rather than in
// every write, so no write can forget it.
func (c *change) stamp(person string) error {
	if person == "" {
		return nil
	}
	rehashed := map[string]string{}
	for i := range c.events {
		e := &c.events[i]
		if h, ok := rehashed[e.PrevHash]; ok {
			e.PrevHash = h
		}
		e.Person = person
		h, err := e.ComputeHash()
		if err != nil {
			return err
		}
		rehashed[e.Hash], e.Hash = h, h
	}
	for i := range c.lots {
		if h, ok := rehashed[c.lots[i].Lot.Head]; ok {
			c.lots[i].Lot.Head = h
		}
	}
	for i := range c.anchors {
		a := &c.anchors[i]
		if h, ok := rehashed[a.Hash]; ok {
			a.Hash = h
		}
		if h, ok := rehashed[a.PrevHash]; ok {
			a.PrevHash = h
		}
	}
	return nil
}
