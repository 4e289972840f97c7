package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

//go:embed *.schema.json
var files embed.FS

var (
	once     sync.Once
	compiled map[string]*jsonschema.Schema
	compErr  error
)

func load() {
	compiled = map[string]*jsonschema.Schema{}
	c := jsonschema.NewCompiler()
	names, err := fs.Glob(files, "*.schema.json")
	if err != nil {
		compErr = err
		return
	}
	for _, n := range names {
		data, _ := files.ReadFile(n)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			compErr = fmt.Errorf("schema file %s: %w", n, err)
			return
		}
		if err := c.AddResource(n, doc); err != nil {
			compErr = fmt.Errorf("schema file %s: %w", n, err)
			return
		}
	}
	for _, n := range names {
		s, err := c.Compile(n)
		if err != nil {
			compErr = fmt.Errorf("compile %s: %w", n, err)
			return
		}
		compiled[fileToName(n)] = s
	}
}

// fileToName maps "etl-day-manifest.v1.schema.json" to "etl-day-manifest/v1".
func fileToName(file string) string {
	base := strings.TrimSuffix(file, ".schema.json")
	i := strings.LastIndex(base, ".v")
	if i < 0 {
		return base
	}
	return base[:i] + "/" + base[i+1:]
}

// Names lists the schema names known, e.g. "etl-day-manifest/v1".
func Names() ([]string, error) {
	once.Do(load)
	if compErr != nil {
		return nil, compErr
	}
	var out []string
	for n := range compiled {
		out = append(out, n)
	}
	return out, nil
}

// Validate checks doc against the schema named by its own "schema" field.
func Validate(doc []byte) error {
	once.Do(load)
	if compErr != nil {
		return compErr
	}
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(doc, &head); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	s, ok := compiled[head.Schema]
	if !ok {
		return fmt.Errorf("unknown schema %q", head.Schema)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("%s: %w", head.Schema, err)
	}
	return nil
}
