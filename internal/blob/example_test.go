package blob_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
)

// A job commits its marker with a conditional write: a second run of the same job
// loses cleanly with ErrExists, and a rerun of WriteJSON rewrites nothing.
func ExampleOpen() {
	ctx := context.Background()
	b, err := blob.Open(ctx, "mem://")
	if err != nil {
		panic(err)
	}
	defer b.Close()

	_, err = blob.PutBytes(ctx, b, "etl/day=01/_manifest.json", []byte(`{"schema":"etl-manifest/v1"}`), blob.PutOptions{IfAbsent: true})
	fmt.Println("first commit:", err)
	_, err = blob.PutBytes(ctx, b, "etl/day=01/_manifest.json", []byte(`{"schema":"etl-manifest/v1"}`), blob.PutOptions{IfAbsent: true})
	fmt.Println("second commit lost:", errors.Is(err, blob.ErrExists))

	doc := map[string]any{"schema": "etl-status/v1", "days_done": 1}
	_, wrote, _ := blob.WriteJSON(ctx, b, "etl/status.json", doc)
	fmt.Println("status written:", wrote)
	_, wrote, _ = blob.WriteJSON(ctx, b, "etl/status.json", doc)
	fmt.Println("status rewritten:", wrote)
	// Output:
	// first commit: <nil>
	// second commit lost: true
	// status written: true
	// status rewritten: false
}
