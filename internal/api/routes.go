package api

import (
	"net/http"

	"github.com/agritrace/agritrace/internal/audit"
	"github.com/agritrace/agritrace/internal/trace"
	"github.com/gin-gonic/gin"
)

func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/.well-known/agritrace/label-keys.json", s.labelKeys)
	r.GET("/openapi.json", s.openapi)

	// The GS1-Conformant resolver: what a phone opens after scanning a label
	// (compressed Digital Links arrive through NoRoute). It redirects to the
	// provenance pages below, which judge and record each scan.
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions} {
		r.Handle(m, "/01/*path", s.resolve)
	}
	r.GET("/.well-known/gs1resolver", s.resolverDescription)
	r.GET("/recall-status/:id", s.recallStatus)
	r.GET("/provenance/01/:gtin", s.productPage)
	r.GET("/provenance/01/:gtin/10/:lot/21/:serial", s.limit(s.scans), s.checkLink, s.scanUnit)
	r.GET("/provenance/01/:gtin/10/:lot", s.limit(s.scans), s.checkLink, s.scanLot)
	r.GET("/provenance/01/:gtin/21/:serial", s.limit(s.scans), s.checkLink, s.scanSerial)
	// A lot's 承诺达标合格证, public as the printed certificate is.
	r.GET("/certificates/:lotID", s.publicCertificates)
	s.mountWeb(r)
	s.mountConsole(r)

	// EPCIS 2.0's REST binding: query and capture interfaces.
	ep := r.Group("/epcis", s.epcisHeaders, s.authenticate)
	ep.GET("/events", s.epcisEvents)
	ep.GET("/epcs/*epc", s.epcisEPCEvents)
	ep.GET("/lots/:id/events", s.epcisLotEvents)
	ep.POST("/capture", s.epcisCapture)
	ep.GET("/capture/:id", s.epcisCaptureJob)

	v1 := r.Group("/api/v1")
	v1.GET("/lots/:id/verify", s.verifyLot)
	v1.POST("/complaints", s.limit(s.complaints), s.idempotent(maxComplaintBody), s.fileComplaint)
	// A batch carries up to trace.MaxBatch events, so its body limit is its own.
	v1.POST("/batch", s.authenticate, s.idempotent(maxBatchBody), s.batch)

	auth := v1.Group("", s.authenticate, s.idempotent(maxBody))
	auth.POST("/orgs", s.createOrg)
	auth.GET("/orgs", s.listOrgs)
	auth.POST("/orgs/:id/keys", s.createKey)
	auth.GET("/orgs/:id/keys", s.listKeys)
	auth.DELETE("/orgs/:id/keys/:keyId", s.revokeKey)
	auth.POST("/orgs/:id/disable", s.setDisabled(true))
	auth.POST("/orgs/:id/enable", s.setDisabled(false))
	auth.POST("/orgs/:id/prefixes", s.declarePrefix)
	auth.GET("/orgs/:id/prefixes", s.listPrefixes)
	auth.POST("/orgs/:id/prefixes/:prefix/approve", s.approvePrefix)
	auth.POST("/products", s.createProduct)
	auth.GET("/products", s.listProducts)
	auth.GET("/products/:gtin", s.getProduct)
	auth.POST("/products/:gtin/licences", s.grantLicence)
	auth.GET("/products/:gtin/licences", s.listLicences)
	auth.DELETE("/products/:gtin/licences/:org", s.revokeLicence)

	auth.POST("/lots", write(s, s.Service.Commission))
	auth.GET("/lots", s.listLots)
	auth.GET("/lots/:id", s.getLot)
	auth.GET("/lots/:id/events", s.lotEvents)
	auth.GET("/lots/:id/trace", s.traceLot)
	auth.GET("/lots/:id/trace.svg", s.traceSVG)
	auth.GET("/lots/:id/units", s.lotUnits)
	auth.POST("/lots/:id/print-runs", s.startPrintRun)
	auth.GET("/print-runs/:id", s.getPrintRun)
	auth.GET("/print-runs/:id/pdf", s.printRunPDF)
	auth.POST("/lots/:id/inspect", lotWrite(s, s.Service.Inspect))
	auth.POST("/lots/:id/certificates", s.certify)
	auth.GET("/lots/:id/certificates", s.lotCertificates)
	auth.POST("/lots/:id/ship", lotWrite(s, s.Service.Ship))
	auth.POST("/lots/:id/receive", lotWrite(s, s.Service.Receive))
	auth.POST("/lots/:id/split", lotWrite(s, s.Service.Split))
	auth.POST("/lots/:id/pack", lotWrite(s, s.Service.Pack))
	auth.POST("/lots/:id/sell", lotWrite(s, s.Service.Sell))
	auth.POST("/lots/:id/recall", lotWrite(s, s.Service.Recall))
	auth.POST("/transforms", write(s, s.Service.Transform))
	auth.POST("/merges", write(s, s.Service.Merge))
	auth.GET("/recalls", s.listRecalls)
	auth.GET("/units/:serial", s.getUnit)
	auth.GET("/units/:serial/label.png", s.labelPNG)
	auth.GET("/units/:serial/label.svg", s.labelSVG)
	auth.GET("/scans", s.listScans)
	auth.GET("/alerts", s.listAlerts)
	auth.GET("/alerts/by-region", s.alertsByRegion(false))
	auth.GET("/alerts/by-region.svg", s.alertsByRegion(true))
	auth.GET("/complaints", s.listComplaints)
	auth.GET("/complaints/:id", s.getComplaint)
	auth.POST("/complaints/:id/actions", s.workComplaint)
	auth.GET("/evidence/:hash", s.getEvidence)
	auth.GET("/audits/lots/:id", s.auditOf(trace.AuditLot, audit.Auditor.Lot))
	auth.GET("/audits/serials/:id", s.auditOf(trace.AuditSerial, audit.Auditor.Serial))
	auth.GET("/audits/complaints/:id", s.auditOf(trace.AuditComplaint, audit.Auditor.Complaint))
}
