// Command zip packs a Lambda bootstrap binary into a deployment zip with the
// executable bit set, deterministically (fixed time stamp), without needing zip(1).
//
//	go run ./infra/aws/zip OUT.zip path/to/bootstrap
package main

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/recpipe/recpipe/internal/envflag"
)

const purpose = "pack a Lambda bootstrap binary into a deployment zip (executable bit set, fixed time stamp)"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// run is the command on args; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		usage(stdout)
		return envflag.ExitOK
	}
	if len(args) != 2 || args[0] == "" || args[1] == "" {
		fmt.Fprintf(stderr, "zip: want two arguments, OUT.zip and BOOTSTRAP; got %q\n", args)
		usage(stderr)
		return envflag.ExitUsage
	}
	if err := pack(args[0], args[1]); err != nil {
		fmt.Fprintln(stderr, "zip:", err)
		return envflag.ExitFailed
	}
	return envflag.ExitOK
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "zip: %s\n\nusage: zip OUT.zip BOOTSTRAP\n\nexit codes:\n", purpose)
	for _, c := range envflag.StandardExitCodes {
		fmt.Fprintf(w, "  %d  %s\n", c.Code, c.Meaning)
	}
}

func pack(out, bootstrap string) error {
	in, err := os.Open(bootstrap)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = io.Copy(w, in)
	}
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out) // no half-written zip left behind
	}
	return err
}
