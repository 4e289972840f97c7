package movielens

import _ "embed"

// SmallName is the release's dataset name and SmallZipName the file it ships as.
const (
	SmallName    = "ml-latest-small"
	SmallZipName = "ml-latest-small.zip"
)

// SmallZip is data/movielens/ml-latest-small.zip.
//
//go:embed ml-latest-small.zip
var SmallZip []byte

// SmallReadme is data/movielens/ml-latest-small.README.txt.
//
//go:embed ml-latest-small.README.txt
var SmallReadme string
