package layout_test

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

func Example() {
	// Build keys from their fields...
	fmt.Println(layout.ETLManifest(7))
	fmt.Println(layout.QualityReport(7))
	fmt.Println(layout.Champion("ncf"))

	// ...parse an event's key once, into its kind and fields...
	k, err := layout.Parse("quality/day=07/report.json")
	if err != nil {
		panic(err)
	}
	fmt.Println(k.Kind, "day", int(k.Day))

	// ...and list the days a stage has finished, from its markers.
	ctx := context.Background()
	b := blob.NewMem()
	for _, d := range []layout.Day{1, 2, 4} {
		blob.PutBytes(ctx, b, layout.ETLManifest(d), []byte("{}"), blob.PutOptions{})
	}
	days, _ := layout.ReleasedDays(ctx, b)
	fmt.Println("released", days)
	// Output:
	// etl/day=07/_manifest.json
	// quality/day=07/report.json
	// models/ncf/champion.json
	// quality-report day 7
	// released [01 02 04]
}
