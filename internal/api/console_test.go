package api_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agritrace/agritrace/internal/demo"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/chromedp/chromedp"
)

// consoleEnv is a running service with a lot of the collection center's
// and people to sign in: the county's admin, a shop clerk, and a clerk of
// the collection center kept for the lock-out. Its clock can be moved on.
type consoleEnv struct {
	*env
	svc   *trace.Service
	shift atomic.Int64
	lot   string
}

const consolePassword = "rapeseed-2025"

func startConsole(t *testing.T) *consoleEnv {
	t.Helper()
	ce := &consoleEnv{}
	ce.env = start(t, func(o *options) {
		o.service = func(s *trace.Service) {
			ce.svc = s
			s.Now = func() time.Time { return time.Now().Add(time.Duration(ce.shift.Load())) }
		}
	})
	ctx := context.Background()
	for _, u := range []trace.UserInput{
		{Org: demo.Admin, Login: "county.admin", Name: "赵敏", Role: trace.UserAdmin, Password: consolePassword},
		{Org: demo.Shop, Login: "shop.clerk", Name: "孙丽", Password: consolePassword},
		{Org: demo.Collector, Login: "cc.unlucky", Name: "周杰", Password: consolePassword},
	} {
		if _, _, err := ce.svc.CreateUser(ctx, trace.CommandLine, trace.User{}, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range demo.Products() {
		if p.Owner == demo.Collector {
			if err := ce.as(demo.Collector).Do(ctx, "POST", "/api/v1/products", p, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	var r struct{ Lots []trace.Lot }
	err := ce.as(demo.Collector).Do(ctx, "POST", "/api/v1/lots", trace.CommissionInput{
		GTIN: demo.Seed, Lot: "RS-CONSOLE", Quantity: 2_000_000,
		Origin: &trace.Origin{Region: "420526101201", Village: "桃园村", Farm: "桃园村油菜种植专业合作社", HarvestDate: "2026-05-12"},
	}, &r)
	if err != nil {
		t.Fatal(err)
	}
	ce.lot = r.Lots[0].ID
	return ce
}

// events reads the lot's events through the API, as the collection center.
func (ce *consoleEnv) events(t *testing.T) []trace.Event {
	t.Helper()
	var out struct{ Events []trace.Event }
	if err := ce.as(demo.Collector).Do(context.Background(), "GET", "/api/v1/lots/"+ce.lot+"/events", nil, &out); err != nil {
		t.Fatal(err)
	}
	return out.Events
}

// headless is a fresh headless Chromium (its own profile, so its own cookies)
// showing pages at w×h.
func headless(t *testing.T, w, h int64) context.Context {
	t.Helper()
	chromium := chromiumPath(t)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(filepath.Join(t.TempDir(), "profile")))...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// sendTwice posts the form with the given id twice from the page, one right
// after the other, as a resend would, and checks both answers were redirects.
func sendTwice(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	twice, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(async () => {
		const f = document.getElementById(`+strconv.Quote(id)+`);
		const body = new URLSearchParams(new FormData(f));
		const a = await fetch(f.action, {method: "POST", body, redirect: "manual"});
		const b = await fetch(f.action, {method: "POST", body, redirect: "manual"});
		return a.type === "opaqueredirect" && b.type === "opaqueredirect";
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !twice {
		t.Fatalf("form %s sent twice: %v, %v", id, twice, err)
	}
}

// submit clicks the button of a form and waits for the next page to load.
func submit(t *testing.T, ctx context.Context, form string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__before = true`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(form+` button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	// The page being left may vanish under an evaluation: ask again until the
	// new one answers.
	for {
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!window.__before && document.readyState === "complete"`))
		if err == nil && loaded {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("submit %s: the next page never loaded: %v", form, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func fill(t *testing.T, ctx context.Context, fields ...string) {
	t.Helper()
	for i := 0; i+1 < len(fields); i += 2 {
		js := fmt.Sprintf(`(el => { el.value = %q; return true })(document.querySelector(%q))`, fields[i+1], fields[i])
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
			t.Fatalf("fill %s: %v", fields[i], err)
		}
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

func has(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel)))
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	l, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func open(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatal(err)
	}
}

func signIn(t *testing.T, ctx context.Context, login, password string) {
	t.Helper()
	fill(t, ctx, "#f-login", login, "#f-password", password)
	submit(t, ctx, "#signin-form")
}

// TestConsoleInBrowser drives the console in headless Chromium on a phone
// (390×844) and on an office PC (1366×768): the county admin adds a clerk to
// the collection center, the clerk signs in with the password shown once,
// records a quality test on the lot page (refused first, for bad input) and
// the event names the clerk inside its hash; a double-sent form records once;
// a shop's clerk is refused the lot; sign-out ends the session.
func TestConsoleInBrowser(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 768}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ce := startConsole(t)
			ctx := headless(t, size.w, size.h)
			lotPage := ce.URL + "/console/lots/" + ce.lot

			// Without a session every page is the sign-in page.
			open(t, ctx, lotPage)
			if l := location(t, ctx); !strings.Contains(l, "/console/signin?next=") || !has(t, ctx, "#signin-form") {
				t.Fatalf("without a session %s shows %s", lotPage, l)
			}
			signIn(t, ctx, "county.admin", "wrong-password-1")
			if got := text(t, ctx, "#signin-error"); got != "Wrong login name or password." {
				t.Errorf("wrong password says %q", got)
			}
			signIn(t, ctx, "nobody.at.all", "wrong-password-1")
			if got := text(t, ctx, "#signin-error"); got != "Wrong login name or password." {
				t.Errorf("unknown login says %q", got)
			}
			open(t, ctx, ce.URL+"/console/")
			if !has(t, ctx, "#signin-form") {
				t.Fatal("a failed sign-in opened a session")
			}

			// The admin adds a clerk to the collection center.
			signIn(t, ctx, "county.admin", consolePassword)
			if who := text(t, ctx, "#who"); !strings.Contains(who, "赵敏") {
				t.Fatalf("signed in as %q", who)
			}
			if !has(t, ctx, `.nav a[href="/console/orgs"]`) {
				t.Error("the admin's navigation has no organizations")
			}
			open(t, ctx, ce.URL+"/console/orgs/"+demo.Collector+"/users")
			fill(t, ctx, "#f-login", "xingshan-cc.clerk", "#f-name", "王芳", "#f-phone", "13800000000")
			submit(t, ctx, "#user-form")
			password := text(t, ctx, "#secret")
			if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(password) || !has(t, ctx, `#users tr[data-login="xingshan-cc.clerk"]`) {
				t.Fatalf("user created with password %q", password)
			}
			submit(t, ctx, "form.signout")
			if !has(t, ctx, "#signin-form") {
				t.Fatal("sign-out did not lead to the sign-in page")
			}
			open(t, ctx, ce.URL+"/console/")
			if !has(t, ctx, "#signin-form") {
				t.Fatal("the session outlived sign-out")
			}

			// The clerk signs in from the lot page and comes back to it.
			open(t, ctx, lotPage)
			signIn(t, ctx, "xingshan-cc.clerk", password)
			if l := location(t, ctx); l != lotPage {
				t.Fatalf("after sign-in the clerk is at %s, want %s", l, lotPage)
			}
			if has(t, ctx, `.nav a[href="/console/orgs"]`) || has(t, ctx, `.nav a[href$="/users"]`) {
				t.Error("a staff clerk's navigation offers admin pages")
			}
			before := len(ce.events(t))

			// Bad input: each error next to its field, nothing stored.
			fill(t, ctx, "#f-moisture", "seven", "#f-note", "水分仪读数")
			submit(t, ctx, "#inspect-form")
			if got := text(t, ctx, "#e-moisture"); got != "Enter a number, e.g. 7.2." {
				t.Errorf("moisture error %q", got)
			}
			if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#f-note"))); v != "水分仪读数" {
				t.Errorf("the refused form lost the note: %q", v)
			}
			fill(t, ctx, "#f-moisture", "")
			submit(t, ctx, "#inspect-form")
			if !has(t, ctx, "#e-results") || has(t, ctx, "#e-moisture") {
				t.Error("an empty inspection shows no error at the results")
			}
			if n := len(ce.events(t)); n != before {
				t.Fatalf("refused forms stored %d events", n-before)
			}

			// Good input: recorded once, naming the clerk inside the hash.
			fill(t, ctx, "#f-moisture", "7.4", "#f-oilContent", "41.5", "#f-note", "复检")
			submit(t, ctx, "#inspect-form")
			if !has(t, ctx, "#notice") || text(t, ctx, `#events tr:last-child td.person`) != "xingshan-cc.clerk" {
				t.Fatal("the recorded test does not show with its person")
			}
			events := ce.events(t)
			last := events[len(events)-1]
			if len(events) != before+1 || last.Type != trace.EventInspect || last.Person != "xingshan-cc.clerk" || last.Actor != demo.Collector {
				t.Fatalf("after the inspection: %d events, last %+v", len(events)-before, last)
			}
			if h, err := last.ComputeHash(); err != nil || h != last.Hash {
				t.Fatalf("the event's hash %s does not recompute (%s, %v)", last.Hash, h, err)
			}
			unstamped := last
			unstamped.Person = ""
			if h, _ := unstamped.ComputeHash(); h == last.Hash {
				t.Error("the person is not part of the hash")
			}

			// The same rendered form sent twice records once.
			fill(t, ctx, "#f-moisture", "7.5")
			sendTwice(t, ctx, "inspect-form")
			if n := len(ce.events(t)); n != before+2 {
				t.Errorf("a form sent twice recorded %d events", n-before-1)
			}
			submit(t, ctx, "form.signout")

			// Another organization's clerk may not read the lot.
			open(t, ctx, lotPage)
			signIn(t, ctx, "shop.clerk", consolePassword)
			if status := text(t, ctx, "#error"); !has(t, ctx, `#error[data-status="403"]`) && !has(t, ctx, `#error[data-status="404"]`) {
				t.Errorf("a shop's clerk opened the collection center's lot: %q", status)
			}
			if has(t, ctx, "#events") {
				t.Error("the refusal shows the lot's events")
			}
		})
	}
}

// TestConsoleLockOutAndExpiry: five wrong passwords lock a user out for 15
// minutes, the right one included, with the same answer as a wrong one;
// sessions end after two idle hours and after twelve in all.
func TestConsoleLockOutAndExpiry(t *testing.T) {
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 768}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			ce := startConsole(t)
			ctx := headless(t, size.w, size.h)
			open(t, ctx, ce.URL+"/console/")
			for i := range trace.MaxFailures {
				signIn(t, ctx, "cc.unlucky", fmt.Sprintf("wrong-password-%d", i))
			}
			signIn(t, ctx, "cc.unlucky", consolePassword)
			if got := text(t, ctx, "#signin-error"); got != "Wrong login name or password." || has(t, ctx, "#who") {
				t.Fatalf("the right password after 5 wrong ones: %q", got)
			}
			if u, err := ce.Store.User(context.Background(), "cc.unlucky"); err != nil || !u.LockedUntil.After(time.Now().Add(14*time.Minute)) {
				t.Fatalf("user after 5 wrong passwords: %+v, %v", u, err)
			}
			ce.shift.Add(int64(trace.LockOut + time.Minute))
			signIn(t, ctx, "cc.unlucky", consolePassword)
			if !has(t, ctx, "#who") {
				t.Fatal("the lock-out did not end after 15 minutes")
			}

			// Idle for longer than SessionIdle: signed out.
			ce.shift.Add(int64(trace.SessionIdle + time.Minute))
			open(t, ctx, ce.URL+"/console/account")
			if got := text(t, ctx, "#signin-error"); got != "Your session expired; please sign in again." {
				t.Fatalf("after an idle session: %q", got)
			}
			// Busy all day: signed out after SessionLifetime all the same.
			signIn(t, ctx, "cc.unlucky", consolePassword)
			for range int(trace.SessionLifetime/time.Hour) - 1 {
				ce.shift.Add(int64(time.Hour))
				open(t, ctx, ce.URL+"/console/")
				if !has(t, ctx, "#who") {
					t.Fatal("a busy session ended before its lifetime")
				}
			}
			ce.shift.Add(int64(time.Hour + time.Minute))
			open(t, ctx, ce.URL+"/console/")
			if !has(t, ctx, "#signin-error") || has(t, ctx, "#who") {
				t.Fatal("a session outlived its lifetime")
			}
		})
	}
}
