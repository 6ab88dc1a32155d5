//go:build tools

// Package tools pins Hyperledger Fabric CA's server and client, in a module of
// their own: Fabric CA needs newer versions of libraries the Fabric tools
// module shares with it (grpc, protobuf, IBM idemix), and one module would
// move Fabric's own dependencies off the versions it was released with.
package tools

import (
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-client"
	_ "github.com/hyperledger/fabric-ca/cmd/fabric-ca-server"
)
