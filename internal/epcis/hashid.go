package epcis

import (
	"encoding/json"

	"github.com/agritrace/agritrace/internal/eventhash"
)

// hashID is the GS1 event hash ID of an event AgriTrace writes, which goes
// out under the documents' @context.
func hashID(ev map[string]any) (string, error) {
	return hashOf(ev, Context())
}

// hashOf is the GS1 event hash ID (internal/eventhash) of an event in a
// document with docContext as its @context.
func hashOf(ev map[string]any, docContext any) (string, error) {
	e, err := json.Marshal(ev)
	if err != nil {
		return "", err
	}
	var c []byte
	if docContext != nil {
		if c, err = json.Marshal(docContext); err != nil {
			return "", err
		}
	}
	return eventhash.IDWithContext(e, c)
}
