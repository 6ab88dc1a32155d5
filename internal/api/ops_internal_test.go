package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agritrace/agritrace/internal/metrics"
	"github.com/gin-gonic/gin"
)

// BenchmarkOpsMiddleware measures what request IDs and metrics add to one
// request, around a handler that does nothing else, so that the cost is not
// lost in a real handler's variance: compare with BenchmarkScanJSON's time
// per scan.
func BenchmarkOpsMiddleware(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	s := &Server{Log: WithRequestIDs(slog.New(slog.NewJSONHandler(io.Discard, nil))), Metrics: metrics.New()}
	for _, bc := range []struct {
		name string
		mw   []gin.HandlerFunc
	}{
		{"none", nil},
		{"request-id", []gin.HandlerFunc{s.requestID}},
		{"request-id+metrics", []gin.HandlerFunc{s.requestID, s.observe}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := gin.New()
			r.Use(bc.mw...)
			r.GET("/01/:gtin/10/:lot/21/:serial", func(c *gin.Context) { c.Status(http.StatusOK) })
			req := httptest.NewRequest("GET", "/01/06901234000023/10/B1/21/000123", nil)
			b.ReportAllocs()
			for b.Loop() {
				r.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
