package console

import (
	"html/template"
	"net/http"
	"slices"

	"github.com/agritrace/agritrace/internal/picture"
	"github.com/agritrace/agritrace/internal/region"
	"github.com/agritrace/agritrace/internal/scan"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

// The regulator's pages: the dashboard, the complaints queue and a
// complaint's page (complaint.go), audits (audit.go), the recall form
// (recall.go); and the administrator's label keys (labelkeys.go). Every read
// goes through the domain's rules for regulators, so another role gets the
// refusal page.

// regulatorRoutes adds the regulator's pages to the signed-in group.
func (c *Console) regulatorRoutes(in *gin.RouterGroup) {
	in.GET("/dashboard", c.dashboard)
	in.GET("/complaints", c.complaintsPage)
	in.GET("/complaints/:id", c.complaintPage)
	in.POST("/complaints/:id/work", c.workComplaint)
	in.GET("/evidence/:hash", c.evidence)
	in.GET("/audits/:subject/:id", c.auditPage)
	in.GET("/recall", c.recallPage)
	in.POST("/recall", c.recall)
	in.GET("/labelkeys", c.labelKeysPage)
	in.POST("/labelkeys/rotate", c.rotateLabelKey)
}

// regulatorNav is the regulator's navigation, dashboard first, and the
// system administrator's label keys.
func regulatorNav(who trace.SignedIn) []navItem {
	var items []navItem
	if who.Org.Has(trace.RoleRegulator) {
		items = append(items,
			navItem{Href: "/console/dashboard", Key: "nav.dashboard", About: "home.dashboard"},
			navItem{Href: "/console/complaints", Key: "nav.complaints", About: "home.complaints"},
			navItem{Href: "/console/recall", Key: "nav.recall", About: "home.recall"})
	}
	if mayManageLabelKeys(who) == nil {
		items = append(items, navItem{Href: "/console/labelkeys", Key: "nav.labelkeys", About: "home.labelkeys"})
	}
	return items
}

// Sizes of the dashboard: how many of the latest alerts are counted and
// listed, and how many complaints of each waiting status are counted.
const (
	alertWindow  = 5000
	alertsListed = 20
	waitingCount = 1000
	oldestShown  = 5
	recallsShown = 20
)

// waiting is the count of complaints in one open status; More says the
// count reached waitingCount and there may be more.
type waiting struct {
	Status string
	Count  int
	More   bool
}

type dashboardData struct {
	Chart    template.HTML
	Counted  int
	Alerts   []trace.Scan
	Waiting  []waiting
	Oldest   []trace.Complaint
	Recalled []trace.Lot
}

// dashboard shows what needs the regulator first: alerts by prefecture (a
// chart and the newest few), complaints waiting, recalls in force.
func (c *Console) dashboard(g *gin.Context) {
	ctx, who := g.Request.Context(), signedIn(g)
	p := c.newPage(g, "dash.title")
	if g.Query("done") == "recall" {
		p.Notice = "rc.done"
	}
	alerts, err := c.Service.Scans(ctx, who.Org, trace.ScanFilter{Verdicts: scan.AlertVerdicts, Limit: alertWindow})
	if err != nil {
		c.fail(g, err)
		return
	}
	chart, err := picture.AlertsSVG(picture.ByPrefecture(alerts, p.Lang), p.Lang)
	if err != nil {
		c.fail(g, err)
		return
	}
	// The picture is built by internal/picture, which escapes every text it
	// draws, so it can be placed in the page as it is.
	d := dashboardData{Chart: template.HTML(chart), Counted: len(alerts), Alerts: alerts[:min(len(alerts), alertsListed)]}
	var old []trace.Complaint
	for _, st := range []string{trace.ComplaintOpen, trace.ComplaintAssigned, trace.ComplaintInvestigating} {
		list, err := c.Service.Complaints(ctx, who.Org, trace.ComplaintFilter{Status: st, Limit: waitingCount})
		if err != nil {
			c.fail(g, err)
			return
		}
		d.Waiting = append(d.Waiting, waiting{Status: st, Count: len(list), More: len(list) == waitingCount})
		old = append(old, list[max(0, len(list)-oldestShown):]...)
	}
	d.Oldest = oldestFirst(old)
	recalled, err := c.Service.Recalls(ctx)
	if err != nil {
		c.fail(g, err)
		return
	}
	d.Recalled = recalled[:min(len(recalled), recallsShown)]
	p.Data = d
	c.render(g, http.StatusOK, "dashboard", p)
}

// oldestFirst keeps the oldestShown oldest complaints, oldest first.
func oldestFirst(cs []trace.Complaint) []trace.Complaint {
	slices.SortFunc(cs, func(a, b trace.Complaint) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return cs[:min(len(cs), oldestShown)]
}

// Place names a division code in the page's language.
func (p *page) Place(code string) string {
	if code == "" {
		return "-"
	}
	return region.Name(code, p.Lang)
}
