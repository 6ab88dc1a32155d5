package epcis

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/agritrace/agritrace/internal/trace"
)

// Capture error behaviours, as the GS1-Capture-Error-Behaviour header names
// them; rollback is the standard's default.
const (
	Rollback = "rollback"
	Proceed  = "proceed"
)

// ErrCaptureLimit is a capture of more events than one commit takes
// (trace.MaxBatch).
var ErrCaptureLimit = errors.New("epcis: capture limit exceeded")

// Job is a capture job: what the REST binding's GET /capture/{captureID}
// shows about one capture.
type Job struct {
	ID         string
	Org        string
	CreatedAt  time.Time
	FinishedAt time.Time
	Running    bool
	Success    bool
	Behaviour  string
	// Errors are the events refused, each with its place in the document.
	Errors []EventError
	// Events is how many events the capture recorded.
	Events int
}

// EventError is why one event of a capture was refused.
type EventError struct {
	Index   int
	EventID string
	Err     error
}

// Capture applies an EPCIS document's events as actor's writes, each through
// the domain rules its REST endpoint applies, in one commit (see
// trace.Service.Capture), and keeps the job for Job. The capture has finished
// when Capture returns: a 2xx answer then means the events are committed.
// It returns EINVALID for a document that is not a valid EPCIS 2.0 document
// and ErrCaptureLimit for one of more than trace.MaxBatch events.
func (s *Service) Capture(ctx context.Context, actor trace.Org, body []byte, behaviour string) (*Job, error) {
	switch behaviour {
	case "":
		behaviour = Rollback
	case Rollback, Proceed:
	default:
		return nil, trace.FieldErrorf(trace.EINVALID, "GS1-Capture-Error-Behaviour", "GS1-Capture-Error-Behaviour is rollback or proceed, not %q", behaviour)
	}
	doc, err := Validate(body)
	if err != nil {
		return nil, err
	}
	events := doc.Events()
	if len(events) > trace.MaxBatch {
		return nil, fmt.Errorf("%w: a capture carries at most %d events; this one has %d", ErrCaptureLimit, trace.MaxBatch, len(events))
	}
	job := &Job{ID: newID(), Org: actor.ID, CreatedAt: trace.Now(s.Trace.Now()), Behaviour: behaviour}
	steps := make([]trace.CaptureStep, len(events))
	for i, ev := range events {
		steps[i] = s.captureStep(actor, ev, doc["@context"])
	}
	out, err := s.Trace.Capture(ctx, steps, behaviour == Rollback)
	if err != nil {
		return nil, err
	}
	for i, o := range out {
		if o.Err != nil {
			id, _ := events[i]["eventID"].(string)
			job.Errors = append(job.Errors, EventError{Index: i, EventID: id, Err: o.Err})
		}
	}
	job.Success = len(job.Errors) == 0
	if job.Success || behaviour == Proceed {
		job.Events = len(events) - len(job.Errors)
	}
	job.FinishedAt = trace.Now(s.Trace.Now())
	s.jobs.put(job)
	return job, nil
}

// Job returns a capture job for the organization that started it (or an
// admin); ENOTFOUND for any other, so job ids reveal nothing.
func (s *Service) Job(actor trace.Org, id string) (*Job, error) {
	j := s.jobs.get(id)
	if j == nil || (j.Org != actor.ID && !actor.Has(trace.RoleAdmin)) {
		return nil, trace.Errorf(trace.ENOTFOUND, "no capture job %s of %s", id, actor.ID)
	}
	return j, nil
}

// captureStep maps one captured event to the REST write it stands for, and
// the identifiers it is remembered by. An error declaration repeats the
// eventID of the event it corrects by design, so it is not remembered by it.
func (s *Service) captureStep(actor trace.Org, ev map[string]any, docContext any) trace.CaptureStep {
	if _, ok := ev["errorDeclaration"]; ok {
		return trace.CaptureStep{Step: refuse(trace.FieldErrorf(trace.EUNPROCESSABLE, "errorDeclaration",
			"error declarations are not applied yet: AgriTrace's chains are append-only; record the correcting event (a recall, an inspection) instead"))}
	}
	var ids []string
	if id, ok := ev["eventID"].(string); ok && id != "" {
		ids = append(ids, id)
	}
	h, err := hashOf(ev, docContext)
	if err != nil {
		return trace.CaptureStep{Step: refuse(trace.Errorf(trace.EINVALID, "event hash: %v", err))}
	}
	ids = append(ids, h)
	return trace.CaptureStep{IDs: ids, Step: func(ctx context.Context, svc *trace.Service) (trace.Result, error) {
		return s.apply(ctx, svc, actor, event(ev))
	}}
}

func refuse(err error) trace.BatchStep {
	return func(context.Context, *trace.Service) (trace.Result, error) { return trace.Result{}, err }
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// maxJobs bounds the capture jobs kept in memory; the oldest go first.
const maxJobs = 10000

// jobs are the capture jobs of this process. They live in memory only: a
// restart forgets them, never the events and ids they recorded.
type jobs struct {
	mu    sync.Mutex
	byID  map[string]*Job
	order []string
}

func (j *jobs) put(job *Job) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.byID == nil {
		j.byID = map[string]*Job{}
	}
	j.byID[job.ID] = job
	j.order = append(j.order, job.ID)
	if len(j.order) > maxJobs {
		delete(j.byID, j.order[0])
		j.order = j.order[1:]
	}
}

func (j *jobs) get(id string) *Job {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.byID[id]
}

// Document is a parsed EPCIS document, numbers kept exactly.
type Document map[string]any

// Events returns the document's event list.
func (d Document) Events() []map[string]any {
	body, _ := d["epcisBody"].(map[string]any)
	list, _ := body["eventList"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		m, _ := e.(map[string]any)
		out = append(out, m)
	}
	return out
}

// parseJSON decodes a JSON value keeping numbers as written.
func parseJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the JSON value")
	}
	return nil
}

// event is a captured event's fields.
type event map[string]any

func (e event) str(k string) string { s, _ := e[k].(string); return s }

// ext is an AgriTrace extension field, by its name in the namespace: as
// agritrace:name, or under the namespace IRI itself.
func (e event) ext(name string) any {
	if v, ok := e[prefix+name]; ok {
		return v
	}
	return e[Namespace+name]
}

func (e event) extStr(name string) string { s, _ := e.ext(name).(string); return s }

// unprefixed is an extension object with its field names out of the
// namespace, for decoding into a domain type.
func unprefixed(v any, into any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := map[string]any{}
	for k, x := range m {
		k = strings.TrimPrefix(strings.TrimPrefix(k, prefix), Namespace)
		out[k] = x
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

// pairs reads a list of agritrace:name and agritrace:value pairs as a map.
func pairs(v any) map[string]any {
	list, ok := v.([]any)
	if !ok {
		return nil
	}
	out := map[string]any{}
	for _, x := range list {
		m := event(asMap(x))
		if n := m.extStr("name"); n != "" {
			out[n] = plain(m.ext("value"))
		}
	}
	return out
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// plain turns json.Numbers back into float64 or int64 for the domain, which
// takes results and attributes as encoding/json gives them.
func plain(v any) any {
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
		f, _ := n.Float64()
		return f
	}
	return v
}
