package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate for 127.0.0.1 and its key to dir and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "agritrace test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// tlsClient speaks HTTPS to servers whose certificates pool holds, with
// versions between lo and hi (0: Go's defaults).
func tlsClient(pool *x509.CertPool, lo, hi uint16) *http.Client {
	conf := &tls.Config{RootCAs: pool, MinVersion: lo, MaxVersion: hi}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: conf, ForceAttemptHTTP2: true}}
}

func TestServeHTTPS(t *testing.T) {
	tmp := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, tmp)
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "-addr", addr, "-data", filepath.Join(tmp, "data"), "-log-level", "error",
			"-tls-cert", certFile, "-tls-key", keyFile}, noenv, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	base := "https://" + addr
	trusting := tlsClient(pool, 0, 0)
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err = trusting.Get(base + "/readyz"); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Proto != "HTTP/2.0" || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("GET /readyz: %s over %s, TLS %+v", resp.Status, resp.Proto, resp.TLS)
	}

	t.Run("TLS 1.1 is refused", func(t *testing.T) {
		_, err := tlsClient(pool, tls.VersionTLS10, tls.VersionTLS11).Get(base + "/readyz")
		if err == nil || !strings.Contains(err.Error(), "protocol version") {
			t.Errorf("err = %v, want a protocol version alert", err)
		}
	})
	t.Run("a client that does not trust the certificate", func(t *testing.T) {
		_, err := tlsClient(x509.NewCertPool(), 0, 0).Get(base + "/readyz")
		var uerr x509.UnknownAuthorityError
		if !errors.As(err, &uerr) {
			t.Errorf("err = %v, want an unknown authority", err)
		}
	})
	t.Run("plain HTTP on the HTTPS port", func(t *testing.T) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
	// Debian's curl and openssl, clients not written in Go, agree.
	t.Run("curl", func(t *testing.T) {
		needCommand(t, "curl")
		out, err := exec.Command("curl", "-sS", "--cacert", certFile, "--http2", "-o", "/dev/null",
			"-w", "%{http_code} HTTP/%{http_version}", base+"/readyz").CombinedOutput()
		if err != nil || string(out) != "200 HTTP/2" {
			t.Errorf("curl: %v: %s", err, out)
		}
		out, err = exec.Command("curl", "-sS", "--tlsv1.0", "--tls-max", "1.1", "--cacert", certFile, base+"/readyz").CombinedOutput()
		if err == nil {
			t.Errorf("curl with TLS 1.1 at most got an answer: %s", out)
		}
	})
	t.Run("openssl s_client", func(t *testing.T) {
		needCommand(t, "openssl")
		cmd := exec.Command("openssl", "s_client", "-connect", addr, "-CAfile", certFile, "-verify_return_error", "-alpn", "h2")
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verify return code: 0 (ok)") || !strings.Contains(string(out), "ALPN protocol: h2") {
			t.Errorf("openssl s_client: %v\n%s", err, out)
		}
	})
}

func TestServeTLSSettings(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := selfSigned(t, dir)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"cert without key", []string{"serve", "-tls-cert", certFile}, "-tls-cert and -tls-key go together"},
		{"missing key file", []string{"serve", "-tls-cert", certFile, "-tls-key", filepath.Join(dir, "none.pem")}, "no such file"},
		{"key that is not the certificate's", []string{"serve", "-tls-cert", certFile, "-tls-key", certFile}, "-tls-key"},
		{"demo starts no HTTPS service of its own", []string{"demo", "-exit", "-tls-cert", certFile, "-tls-key", keyFile}, "-tls-cert is for serve"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(tt.args, "-addr", "127.0.0.1:0", "-data", filepath.Join(dir, "data"))
			err := run(context.Background(), args, noenv, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// needCommand skips the test when the Debian command name is missing, except
// in CI, where scripts/test.sh installs it.
func needCommand(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; scripts/test.sh installs it", name)
		}
		t.Skipf("%s is missing (scripts/test.sh installs it)", name)
	}
}
