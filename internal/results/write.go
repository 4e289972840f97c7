package results

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/schemas"
)

// README markers: README.md quotes docs/results.md between them.
const (
	BeginMarker = "<!-- results:begin (docs/results.md, written by make results) -->\n"
	EndMarker   = "<!-- results:end -->\n"
)

// ErrNoMarkers: README.md lacks the markers around the quoted results.
var ErrNoMarkers = errors.New("README has no results markers")

// Encode returns docs/results.json's bytes, validated against results/v1.
func Encode(d *Doc) ([]byte, error) {
	data, err := blob.MarshalJSON(d)
	if err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	if err := schemas.Validate(data); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	return data, nil
}

// Quote returns readme with the text between its markers replaced by md.
func Quote(readme, md []byte) ([]byte, error) {
	i := bytes.Index(readme, []byte(BeginMarker))
	j := bytes.Index(readme, []byte(EndMarker))
	if i < 0 || j < i {
		return nil, fmt.Errorf("%w (%q ... %q)", ErrNoMarkers, BeginMarker, EndMarker)
	}
	var out bytes.Buffer
	out.Write(readme[:i+len(BeginMarker)])
	out.Write(md)
	out.Write(readme[j:])
	return out.Bytes(), nil
}

// Quoted returns the text README holds between its markers.
func Quoted(readme []byte) ([]byte, error) {
	i := bytes.Index(readme, []byte(BeginMarker))
	j := bytes.Index(readme, []byte(EndMarker))
	if i < 0 || j < i {
		return nil, ErrNoMarkers
	}
	return readme[i+len(BeginMarker) : j], nil
}

// Write writes dir/results.json and dir/results.md and, when readme is not empty,
// quotes results.md in that README. Each file is written whole (a temporary file
// renamed over it).
func Write(d *Doc, dir, readme string) error {
	data, err := Encode(d)
	if err != nil {
		return err
	}
	md := Markdown(d)
	if err := writeFile(filepath.Join(dir, "results.json"), data); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, "results.md"), md); err != nil {
		return err
	}
	if readme == "" {
		return nil
	}
	old, err := os.ReadFile(readme)
	if err != nil {
		return err
	}
	quoted, err := Quote(old, md)
	if err != nil {
		return fmt.Errorf("%s: %w", readme, err)
	}
	return writeFile(readme, quoted)
}

func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
