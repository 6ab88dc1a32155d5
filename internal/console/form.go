package console

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/agritrace/agritrace/internal/trace"
	"github.com/agritrace/agritrace/web"
	"github.com/gin-gonic/gin"
)

// The form pattern every console page follows:
//
//  1. the GET renders the form with the session's CSRF token and a fresh
//     form token (see the "tokens" template);
//  2. the POST checks the form's own inputs (numbers, required fields), then
//     calls the domain inside once(), which records the write under the form
//     token as its Idempotency-Key, exactly as the API does for a retried
//     request: a second submit of the same rendered form records nothing and
//     lands on the same page;
//  3. a refused form is rendered again with the values sent and each error
//     next to its field (showFieldError), and nothing is stored.

// field is what the "field" template draws: a labelled input with its error.
type field struct {
	Name, Label, Type, Value, Error, Auto string
}

// fieldOf builds a field of p for the "field" template; auto is the
// autocomplete hint.
func fieldOf(p *page, name, label, typ, auto string) field {
	return field{Name: name, Label: web.ConsoleText(p.Lang, label), Type: typ, Value: p.Values[name], Error: p.Errors[name], Auto: auto}
}

// keep copies the sent values of fields into p, to show them again.
func keep(g *gin.Context, p *page, fields ...string) {
	for _, f := range fields {
		p.Values[f] = g.PostForm(f)
		p.Multi[f] = g.PostFormArray(f)
	}
}

// setError puts the text of key next to field, in the page's language.
func setError(p *page, field, key string) {
	p.Errors[field] = web.ConsoleText(p.Lang, key)
}

// showFieldError places a domain error next to the form field it names
// (fields maps the domain's field names to the form's where they differ)
// and reports whether it could. In English the domain's own sentence is
// shown, being the most precise; in Chinese the field's explanation.
func showFieldError(p *page, err error, fields map[string]string) bool {
	f := trace.ErrorField(err)
	if f == "" {
		return false
	}
	if to, ok := fields[f]; ok {
		f = to
	}
	switch {
	case p.Lang == "en":
		p.Errors[f] = trace.ErrorMessage(err)
	case web.HasConsoleText("err." + f):
		setError(p, f, "err."+f)
	default:
		p.Errors[f] = trace.ErrorMessage(err)
	}
	return true
}

func newFormToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// once runs a console write keyed by the form's token and answers with to,
// where the form leads. That answer is stored as a replay, so a form sent
// twice, one after the other or both at once, records once and both land on
// to. A write that commits a trace.Change stores it in the same commit,
// others right after. It reports dup when the form had been recorded
// already and the answer (a redirect to to) is sent; otherwise the caller
// answers: the page after a write, or the form again with write's error.
// act is once for a form whose only answer to a failed write is an error
// page: it answers a resend or a failure itself and reports whether the
// write was recorded now, for the caller to answer.
func (c *Console) act(g *gin.Context, to string, write func(g *gin.Context) error) bool {
	dup, err := c.once(g, to, write)
	if !dup && err != nil {
		c.fail(g, err)
	}
	return !dup && err == nil
}

func (c *Console) once(g *gin.Context, to string, write func(g *gin.Context) error) (dup bool, err error) {
	who := g.MustGet(whoKey).(trace.SignedIn)
	token := g.PostForm("form_token")
	if len(token) != 32 {
		return false, trace.Errorf(trace.EINVALID, "the form has no form token")
	}
	var sent []string
	for k, vs := range g.Request.PostForm {
		if k != "csrf" {
			sent = append(sent, k+"="+strings.Join(vs, "\x00"))
		}
	}
	slices.Sort(sent)
	sum := sha256.Sum256(fmt.Appendf(nil, "POST %s\n%s", g.Request.URL.Path, strings.Join(sent, "\n")))
	r := &trace.Retry{Scope: "console:" + who.User.Login, Key: token, Request: hex.EncodeToString(sum[:])}
	if prev, ok, err := c.replayed(g, r); ok || err != nil {
		if err == nil {
			redirect(g, prev)
		}
		return ok, err
	}
	r.Answer = func(any) (int, []byte, error) { return http.StatusSeeOther, []byte(to), nil }
	g.Request = g.Request.WithContext(trace.WithRetry(g.Request.Context(), r))
	if err := write(g); errors.Is(err, trace.ErrReplayExists) {
		// The same form, sent at the same moment, won the race.
		redirect(g, to)
		return true, nil
	} else if err != nil {
		return false, err
	}
	if _, stored, _ := c.replayed(g, r); !stored {
		now := trace.Now(c.Service.Now())
		err := c.Store.SaveReplay(g.Request.Context(), trace.Replay{Scope: r.Scope, Key: r.Key, Request: r.Request, Status: http.StatusSeeOther, Body: []byte(to), CreatedAt: now, ExpiresAt: now.Add(trace.ReplayTTL)})
		if err != nil && !errors.Is(err, trace.ErrReplayExists) {
			c.Log.ErrorContext(g.Request.Context(), "console: form answer not stored", "err", err, "path", g.Request.URL.Path)
		}
	}
	if c.Committed != nil {
		c.Committed()
	}
	return false, nil
}

// replayed returns where an already recorded form led, if it was.
func (c *Console) replayed(g *gin.Context, r *trace.Retry) (string, bool, error) {
	old, err := c.Store.Replay(g.Request.Context(), r.Scope, r.Key)
	switch {
	case trace.ErrorCode(err) == trace.ENOTFOUND:
		return "", false, nil
	case err != nil:
		return "", false, err
	case !old.ExpiresAt.After(c.Service.Now()):
		return "", false, nil
	case old.Request != r.Request:
		return "", false, trace.Errorf(trace.ECONFLICT, "this form was already sent with other values; open the page again")
	}
	return string(old.Body), true, nil
}
