// Command custody-chaincode serves the custody contract as a Fabric
// chaincode-as-a-service: the peer dials it at CHAINCODE_SERVER_ADDRESS, and
// CHAINCODE_ID is the package id the peer installed. It is its own small
// program so that any organization on the channel can run it without the
// AgriTrace service.
package main

import (
	"fmt"
	"os"

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
	cc, err := contractapi.NewChaincode(&contract.Custody{})
	if err != nil {
		return fmt.Errorf("build chaincode: %w", err)
	}
	srv := &shim.ChaincodeServer{CCID: id, Address: addr, CC: cc, TLSProps: shim.TLSProperties{Disabled: true}}
	return srv.Start()
}
