package scan

import (
	"encoding/json"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/internal/verify"
)

// Chapter is the part of the journey one lot went through: its own events in
// time order, each with its ledger check. A transform or pack touches several
// lots and is recorded on each, so it appears once in each lot's chapter.
type Chapter struct {
	Lot     string `json:"lot"`
	Number  string `json:"number"`
	GTIN    string `json:"gtin"`
	Product string `json:"product,omitempty"`
	// ProductEN is the product's English name, when it has one.
	ProductEN string `json:"productEn,omitempty"`
	Steps     []Step `json:"steps"`
}

// Maker is the processor that made or packed the product, with its food
// production licence number when it holds one.
type Maker struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	NameEN string `json:"nameEn,omitempty"`
	SCCode string `json:"scCode,omitempty"`
}

// Recall is why, since when and by whom the scanned lot was recalled, and what
// the buyer should do: read from the lot's recall event, so it is the hashed,
// anchored record and not a side note.
type Recall struct {
	Reason string `json:"reason"`
	Advice string `json:"advice"`
	// Time is in China time, as the shopper reads it.
	Time   string `json:"time"`
	By     string `json:"by"`
	ByName string `json:"byName"`
	// Origin is the lot the recall was ordered on, when it was recalled as
	// made from that one.
	Origin string `json:"origin,omitempty"`
}

// chapter tells one lot's events as steps, naming who shipped to whom.
func chapter(l trace.Lot, prod trace.Product, events []trace.Event, checks []verify.Check, orgs map[string]trace.Org) Chapter {
	c := Chapter{Lot: l.ID, Number: l.Number, GTIN: l.GTIN, Product: prod.NameZH, ProductEN: prod.NameEN}
	bySeq := map[int64]verify.Check{}
	for _, ch := range checks {
		bySeq[ch.Seq] = ch
	}
	for _, e := range events {
		ch := bySeq[e.Seq]
		st := Step{
			Lot: e.Lot, Seq: e.Seq, Type: e.Type, Actor: e.Actor, ActorName: or(orgs[e.Actor].Name, e.Actor), Place: e.Place,
			Time: e.Time.In(chinaTime).Format("2006-01-02 15:04"), Quantity: quantity(e.Quantity, l.BaseUnit),
			Check: ch.Verdict, TxID: ch.TxID, Block: ch.Block,
		}
		if e.Type == trace.EventShip {
			var body struct {
				To string `json:"to"`
			}
			if json.Unmarshal(e.Payload, &body) == nil && body.To != "" {
				st.To, st.ToName = body.To, or(orgs[body.To].Name, body.To)
			}
		}
		c.Steps = append(c.Steps, st)
	}
	return c
}

// recallOf reads the latest recall event among a lot's events.
func recallOf(events []trace.Event, orgs map[string]trace.Org) *Recall {
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Type != trace.EventRecall {
			continue
		}
		var body struct {
			Reason string `json:"reason"`
			Advice string `json:"advice"`
			Origin string `json:"origin"`
		}
		_ = json.Unmarshal(e.Payload, &body) // a payload we wrote; a bad one shows an empty reason
		r := &Recall{
			Reason: body.Reason, Advice: or(body.Advice, trace.DefaultRecallAdvice),
			Time: e.Time.In(chinaTime).Format("2006-01-02 15:04"), By: e.Actor, ByName: or(orgs[e.Actor].Name, e.Actor),
		}
		if body.Origin != e.Lot {
			r.Origin = body.Origin
		}
		return r
	}
	return nil
}
