package failreport_test

import (
	"fmt"

	"github.com/recpipe/recpipe/jobs/failreport"
)

func ExampleReport() {
	r := failreport.Report{Function: "etl-daily", Kind: "quality-check-failed"}
	fmt.Println(r.Fingerprint())
	fmt.Println(r.Title())
	fmt.Println(r.Marker())
	// Output:
	// etl-daily/quality-check-failed
	// [pipeline] etl-daily failed: quality-check-failed
	// <!-- fingerprint: etl-daily/quality-check-failed -->
}
