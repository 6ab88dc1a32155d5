package epcis

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
)

// hashID is the GS1 event hash ID of an event AgriTrace writes, which goes
// out under the documents' @context.
func hashID(ev map[string]any) (string, error) {
	withCtx := maps.Clone(ev)
	withCtx["@context"] = Context()
	return hashOf(withCtx)
}

// hashOf is the GS1 event hash ID of an event that carries its @context.
// PLACEHOLDER until branch eventhash merges: this is a SHA-256 of the JSON,
// not GS1's canonical form; the merge replaces its body with eventhash.ID.
func hashOf(ev map[string]any) (string, error) {
	withoutID := maps.Clone(ev)
	delete(withoutID, "eventID")
	b, err := json.Marshal(withoutID)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "ni:///sha-256;" + hex.EncodeToString(sum[:]) + "?ver=CBV2.0", nil
}
