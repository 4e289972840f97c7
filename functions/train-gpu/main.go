package main

import (
	"os"

	"github.com/recpipe/recpipe/functions/internal/traingpu"
	"github.com/recpipe/recpipe/jobs"
)

func main() { os.Exit(jobs.Main(traingpu.Command())) }
