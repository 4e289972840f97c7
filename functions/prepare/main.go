package main

import (
	"os"

	"github.com/recpipe/recpipe/functions/internal/prepare"
	"github.com/recpipe/recpipe/jobs"
)

func main() { os.Exit(jobs.Main(prepare.Command())) }
