// Package schemas holds the JSON Schema files that are the contract with downstream
// readers of the bucket (one file per document kind, named <name>.v<N>.schema.json
// for a document whose "schema" field is "<name>/v<N>"), and validates documents
// against them.
package schemas
