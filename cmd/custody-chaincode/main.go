// Command custody-chaincode serves the custody contract as a Fabric
// chaincode-as-a-service: the peer dials it at CHAINCODE_SERVER_ADDRESS, and
// CHAINCODE_ID is the package id the peer installed. It is its own small
// program so that each organization on the channel runs its own, beside its
// own peer, without the AgriTrace service: an endorsement is then an
// organization's own judgement, not a call into someone else's process.
//
// CUSTODY_REGULATORS lists the MSP ids of the channel's regulators (default
// RegulatorMSP); every organization must run the contract with the same
// list. CHAINCODE_TLS_CERT and CHAINCODE_TLS_KEY (PEM files) turn on TLS,
// and CHAINCODE_TLS_CLIENT_CA makes the server accept only peers whose
// client certificate that CA signed; CHAINCODE_TLS_DISABLED=true serves
// plain gRPC, for tests only.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/agritrace/agritrace/chain/contract"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "custody-chaincode:", err)
		os.Exit(1)
	}
}

func run() error {
	id, addr := os.Getenv("CHAINCODE_ID"), os.Getenv("CHAINCODE_SERVER_ADDRESS")
	if id == "" || addr == "" {
		return fmt.Errorf("set CHAINCODE_ID (the installed package id) and CHAINCODE_SERVER_ADDRESS (host:port to listen on)")
	}
	regulators := strings.Fields(strings.ReplaceAll(os.Getenv("CUSTODY_REGULATORS"), ",", " "))
	if len(regulators) == 0 {
		regulators = []string{"RegulatorMSP"}
	}
	tls, err := tlsProps()
	if err != nil {
		return err
	}
	cc, err := contractapi.NewChaincode(contract.New(regulators...))
	if err != nil {
		return fmt.Errorf("build chaincode: %w", err)
	}
	srv := &shim.ChaincodeServer{CCID: id, Address: addr, CC: cc, TLSProps: tls}
	return srv.Start()
}

func tlsProps() (shim.TLSProperties, error) {
	if os.Getenv("CHAINCODE_TLS_DISABLED") == "true" {
		return shim.TLSProperties{Disabled: true}, nil
	}
	read := func(name string, need bool) ([]byte, error) {
		path := os.Getenv(name)
		if path == "" {
			if need {
				return nil, fmt.Errorf("set %s (or CHAINCODE_TLS_DISABLED=true, for tests only)", name)
			}
			return nil, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return b, nil
	}
	var p shim.TLSProperties
	var err error
	if p.Cert, err = read("CHAINCODE_TLS_CERT", true); err != nil {
		return p, err
	}
	if p.Key, err = read("CHAINCODE_TLS_KEY", true); err != nil {
		return p, err
	}
	p.ClientCACerts, err = read("CHAINCODE_TLS_CLIENT_CA", false)
	return p, err
}
