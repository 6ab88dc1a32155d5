package fabric

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestLoadEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "client.env")
	os.WriteFile(path, []byte("# comment\nFABRIC_CHANNEL=custody\nFABRIC_CHAINCODE=custody\n"+
		"FABRIC_PEER_ENDPOINT=127.0.0.1:7051\nFABRIC_TLS_CA=/ca.crt\nFABRIC_MSP_ID=CollectorMSP\nFABRIC_MSP_DIR=/msp\n"+
		"FABRIC_PEER_ENDPOINT_2=127.0.0.1:9051\nFABRIC_TLS_CA_2=/ca2.crt\nFABRIC_MSP_ID_2=RegulatorMSP\n"+
		"FABRIC_CERT_2=/cert.pem\nFABRIC_KEY_2=/key.pem\n"), 0o600)
	env := map[string]string{"FABRIC_BATCH_SIZE": "7", "FABRIC_COMMIT_TIMEOUT": "9s"}
	c, err := LoadEnv(path, "", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.PeerEndpoint != "127.0.0.1:7051" || c.MSPDir != "/msp" || c.BatchSize != 7 || c.CommitTimeout != 9*time.Second || c.Parallel != 32 {
		t.Errorf("config = %+v", c)
	}
	c, err = LoadEnv(path, "_2", func(string) string { return "" })
	if err != nil || c.MSPID != "RegulatorMSP" || c.CertPath != "/cert.pem" || c.Channel != "custody" {
		t.Errorf("config _2 = %+v, %v", c, err)
	}
	env = map[string]string{"FABRIC_RETRY_FOR": "soon"}
	if _, err := LoadEnv(path, "", func(k string) string { return env[k] }); err == nil {
		t.Error("a bad duration was accepted")
	}
	if _, err := LoadEnv(path, "_3", func(string) string { return "" }); err == nil {
		t.Error("missing settings were accepted")
	}
}
