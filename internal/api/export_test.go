package api

// OpenAPIJSON is the document /openapi.json serves, for tests that need it
// before a server runs.
func OpenAPIJSON() ([]byte, error) {
	d, err := openapiDoc()
	if err != nil {
		return nil, err
	}
	return d.json, nil
}
