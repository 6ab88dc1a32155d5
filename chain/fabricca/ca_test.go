// Package fabricca_test checks scripts/fabric/ca.sh against a real Fabric CA
// (fabric-ca-server and fabric-ca-client as scripts/fabric/build.sh builds
// them): a CA started on an organization's cryptogen CA enrols clients of
// that organization's MSP, revokes them, and publishes the revocation in a
// CRL the organization's CA signs; and no key it writes is readable by others.
package fabricca_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const domain = "collector.agritrace.local"

// bin is the directory the Fabric binaries are built into. It fails the test
// in CI when the CA was not built, unless the Fabric network was opted out of.
func bin(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("bash", "-c", `source ../../scripts/fabric/env.sh && echo "$BIN"`).Output()
	if err != nil {
		t.Fatalf("find the Fabric binaries: %v", err)
	}
	dir := strings.TrimSpace(string(out))
	for _, name := range []string{"cryptogen", "fabric-ca-server", "fabric-ca-client"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			msg := name + " is not built in " + dir + "; run scripts/fabric/build.sh"
			if os.Getenv("CI") != "" && os.Getenv("AGRITRACE_NO_FABRIC") == "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return dir
}

// organization writes a peer organization with cryptogen, as up.sh does, and
// returns its directory (peerOrganizations/<domain>).
func organization(t *testing.T, bin, dir string) string {
	t.Helper()
	config := filepath.Join(dir, "crypto-config.yaml")
	yaml := "PeerOrgs:\n  - Name: Collector\n    Domain: " + domain +
		"\n    EnableNodeOUs: true\n    Template: {Count: 1}\n    Users: {Count: 1}\n"
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "crypto")
	if b, err := exec.Command(filepath.Join(bin, "cryptogen"), "generate", "--config="+config, "--output="+out).CombinedOutput(); err != nil {
		t.Fatalf("cryptogen: %v\n%s", err, b)
	}
	return filepath.Join(out, "peerOrganizations", domain)
}

// ca runs scripts/fabric/ca.sh with its state in dir.
type ca struct{ dir string }

func (c ca) run(args ...string) error {
	cmd := exec.Command("bash", append([]string{"../../scripts/fabric/ca.sh"}, args...)...)
	cmd.Env = append(os.Environ(), "AGRITRACE_CA_DIR="+c.dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &scriptError{args: args, err: err, out: out}
	}
	return nil
}

type scriptError struct {
	args []string
	err  error
	out  []byte
}

func (e *scriptError) Error() string {
	return "ca.sh " + strings.Join(e.args, " ") + ": " + e.err.Error() + "\n" + string(e.out)
}

func (c ca) must(t *testing.T, args ...string) {
	t.Helper()
	if err := c.run(args...); err != nil {
		t.Fatal(err)
	}
}

func pemBlock(t *testing.T, path, typ string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != typ {
		t.Fatalf("%s holds no PEM %s", path, typ)
	}
	return block.Bytes
}

func certificate(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	cert, err := x509.ParseCertificate(pemBlock(t, path, "CERTIFICATE"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cert
}

func TestEnrolRevokeCRL(t *testing.T) {
	bin := bin(t)
	dir := t.TempDir()
	org := organization(t, bin, dir)
	orgCA := certificate(t, filepath.Join(org, "ca", "ca."+domain+"-cert.pem"))

	c := ca{dir: filepath.Join(dir, "ca")}
	c.must(t, "start", org)
	t.Cleanup(func() {
		if err := c.run("stop"); err != nil {
			t.Errorf("stop the CA: %v", err)
		}
	})

	buyer := filepath.Join(dir, "buyer1-msp")
	other := filepath.Join(dir, "buyer2-msp")
	c.must(t, "enroll", "buyer1", buyer)
	c.must(t, "enroll", "buyer2", other)

	cert := certificate(t, filepath.Join(buyer, "signcerts", "cert.pem"))
	roots := x509.NewCertPool()
	roots.AddCert(orgCA)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Fatalf("the enrolled certificate does not chain to the organization's CA: %v", err)
	}
	if ou := cert.Subject.OrganizationalUnit; !slices.Equal(ou, []string{"client"}) {
		t.Errorf("OU = %q, want [client]: the MSP's NodeOUs would not make it a client", ou)
	}
	keys, err := filepath.Glob(filepath.Join(buyer, "keystore", "*_sk"))
	if err != nil || len(keys) != 1 {
		t.Fatalf("keystore holds %d keys (%v), want 1", len(keys), err)
	}
	key, err := x509.ParsePKCS8PrivateKey(pemBlock(t, keys[0], "PRIVATE KEY"))
	if err != nil {
		t.Fatal(err)
	}
	if signer, ok := key.(crypto.Signer); !ok || !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(signer.Public()) {
		t.Error("the keystore's key is not the certificate's")
	}
	sameFile(t, filepath.Join(org, "msp", "config.yaml"), filepath.Join(buyer, "config.yaml"))
	sameFile(t, filepath.Join(org, "msp", "cacerts", "ca."+domain+"-cert.pem"), filepath.Join(buyer, "cacerts", "ca."+domain+"-cert.pem"))

	c.must(t, "revoke", "buyer1", "keycompromise")
	crlFile := filepath.Join(dir, "crl.pem")
	c.must(t, "gencrl", crlFile)
	crl, err := x509.ParseRevocationList(pemBlock(t, crlFile, "X509 CRL"))
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(orgCA); err != nil {
		t.Fatalf("the CRL is not signed by the organization's CA: %v", err)
	}
	// A Fabric MSP applies a CRL to the certificates of the CA whose subject
	// key identifier is the CRL's authority key identifier.
	if !bytes.Equal(crl.AuthorityKeyId, orgCA.SubjectKeyId) || len(crl.AuthorityKeyId) == 0 {
		t.Errorf("CRL authority key id %x, want the organization CA's %x", crl.AuthorityKeyId, orgCA.SubjectKeyId)
	}
	revoked := func(serial string) bool {
		return slices.ContainsFunc(crl.RevokedCertificateEntries, func(e x509.RevocationListEntry) bool {
			return e.SerialNumber.String() == serial
		})
	}
	if !revoked(cert.SerialNumber.String()) {
		t.Errorf("the CRL does not list buyer1's serial %x", cert.SerialNumber)
	}
	if kept := certificate(t, filepath.Join(other, "signcerts", "cert.pem")); revoked(kept.SerialNumber.String()) {
		t.Errorf("the CRL lists buyer2's serial %x, which was not revoked", kept.SerialNumber)
	}

	for _, root := range []string{buyer, other, c.dir} {
		ownerOnly(t, root)
	}
}

func sameFile(t *testing.T, want, got string) {
	t.Helper()
	a, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s differs from %s", got, want)
	}
}

// ownerOnly fails for any directory or file below root that its group or
// others may read, and checks that root holds at least one private key, so
// that an empty walk does not pass.
func ownerOnly(t *testing.T, root string) {
	t.Helper()
	keys := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v: group or others may read it", path, info.Mode().Perm())
		}
		if strings.HasSuffix(path, "_sk") {
			keys++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if keys == 0 {
		t.Errorf("no private key found under %s", root)
	}
}
