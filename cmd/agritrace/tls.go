package main

import (
	"crypto/tls"
	"fmt"

	"github.com/agritrace/agritrace/internal/config"
)

// loadTLS reads the certificate and key of -tls-cert and -tls-key; nil when
// the service answers plain HTTP. Go's defaults otherwise stand: its cipher
// suites, and HTTP/2 offered by ALPN. TLS 1.0 and 1.1 are refused: every
// phone browser in use speaks 1.2.
func loadTLS(cfg config.Config) (*tls.Config, error) {
	if cfg.TLSCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert %s, -tls-key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}
