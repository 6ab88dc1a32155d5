package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Finding is one thing the auditor should look at, in English and Chinese.
// Findings of one code are grouped: Count says how many there were, First and
// Last when (for findings that happened at a time), Subjects what they were about.
type Finding struct {
	Severity  string    `json:"severity"`
	Code      string    `json:"code"`
	Subject   string    `json:"subject"`
	Subjects  []string  `json:"subjects,omitempty"`
	Message   string    `json:"message"`
	MessageZH string    `json:"messageZH"`
	Count     int       `json:"count"`
	First     time.Time `json:"first,omitzero"`
	Last      time.Time `json:"last,omitzero"`
}

func (r *Report) add(sev, code, subject, en, zh string) {
	r.addAt(sev, code, subject, en, zh, time.Time{})
}

// addAt adds a finding about something that happened at a time.
func (r *Report) addAt(sev, code, subject, en, zh string, at time.Time) {
	r.Findings = append(r.Findings, Finding{Severity: sev, Code: code, Subject: subject, Message: en, MessageZH: zh, Count: 1, First: at, Last: at})
}

// maxSubjects bounds the subjects a grouped finding lists; Count still says
// how many findings there were.
const maxSubjects = 20

// group merges findings of one code into the first of them, so forty
// suspicious scans read as one finding with a count, not forty rows that
// bury the rest. The first finding's message stands as the example.
func group(fs []Finding) []Finding {
	out := []Finding{}
	at := map[string]int{}
	for _, f := range fs {
		i, seen := at[f.Code]
		if !seen {
			at[f.Code] = len(out)
			f.Subjects = []string{f.Subject}
			out = append(out, f)
			continue
		}
		g := &out[i]
		g.Count += f.Count
		if severityRank[f.Severity] < severityRank[g.Severity] {
			g.Severity = f.Severity
		}
		if !f.First.IsZero() && (g.First.IsZero() || f.First.Before(g.First)) {
			g.First = f.First
		}
		if f.Last.After(g.Last) {
			g.Last = f.Last
		}
		if !slices.Contains(g.Subjects, f.Subject) && len(g.Subjects) < maxSubjects {
			g.Subjects = append(g.Subjects, f.Subject)
		}
	}
	for i := range out {
		if len(out[i].Subjects) == 1 {
			out[i].Subjects = nil
		}
	}
	return out
}

// summary is a grouped finding's message as printed: the example, and how
// many there were between which times.
func (f Finding) summary(zh bool) string {
	msg := f.Message
	if zh {
		msg = f.MessageZH
	}
	if f.Count <= 1 {
		return msg
	}
	span := ""
	if !f.First.IsZero() {
		span = fmt.Sprintf(", %s – %s", when(f.First), when(f.Last))
		if zh {
			span = fmt.Sprintf("，%s 至 %s", when(f.First), when(f.Last))
		}
	}
	if zh {
		return fmt.Sprintf("共 %d 次%s；例：%s", f.Count, span, msg)
	}
	return fmt.Sprintf("%d times%s; e.g. %s", f.Count, span, msg)
}

// subjects is what a finding is about, as printed.
func (f Finding) subjects() string {
	if len(f.Subjects) == 0 {
		return f.Subject
	}
	s := strings.Join(f.Subjects, ", ")
	if len(f.Subjects) == maxSubjects {
		s += " …"
	}
	return s
}
