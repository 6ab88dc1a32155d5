package api

import (
	"fmt"
	"net/http"

	"github.com/agritrace/agritrace/internal/labelprint"
	"github.com/gin-gonic/gin"
)

// printRunInput starts a print run.
type printRunInput struct {
	Layout  labelprint.Layout `json:"layout"`
	Serials []string          `json:"serials"`
}

// printRunView is a run with where to follow it.
type printRunView struct {
	labelprint.Run
	ProgressURL string `json:"progressUrl"`
	PDFURL      string `json:"pdfUrl"`
}

func printView(r labelprint.Run) printRunView {
	p := "/api/v1/print-runs/" + r.ID
	return printRunView{Run: r, ProgressURL: p, PDFURL: p + "/pdf"}
}

// startPrintRun answers 202 at once: the labels are rendered in the background.
func (s *Server) startPrintRun(c *gin.Context) {
	var in printRunInput
	if err := bind(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Printer.Start(c.Request.Context(), actor(c), c.Param("id"), in.Layout, in.Serials, s.BaseURL)
	if err != nil {
		s.fail(c, err)
		return
	}
	v := printView(r)
	c.Header("Location", v.ProgressURL)
	c.JSON(http.StatusAccepted, v)
}

func (s *Server) getPrintRun(c *gin.Context) {
	r, err := s.Printer.Get(actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, printView(r))
}

func (s *Server) printRunPDF(c *gin.Context) {
	f, r, err := s.Printer.PDF(c.Request.Context(), actor(c), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		s.fail(c, fmt.Errorf("print run %s: %w", r.ID, err))
		return
	}
	c.Header("Content-Disposition", `attachment; filename="labels-`+r.ID+`.pdf"`)
	http.ServeContent(c.Writer, c.Request, "labels.pdf", st.ModTime(), f)
}
