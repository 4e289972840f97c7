package etl

import "errors"

// Errors of prepare; callers test them with errors.Is.
var (
	// ErrUnknownSplit: a split name other than train, val or test.
	ErrUnknownSplit = errors.New("unknown split")
	// ErrUnknownDataset: a --dataset that is neither shipped nor downloadable.
	ErrUnknownDataset = errors.New("unknown dataset")
	// ErrChecksum: a download or cached file does not match its published checksum.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrBadRelease: a release lacks its ratings or movies file, or holds no ratings.
	ErrBadRelease = errors.New("bad MovieLens release")
	// ErrPreparedDiffers: prepared/<ds>/ already holds a dataset made from another
	// source or with other split rules; prepare never overwrites it.
	ErrPreparedDiffers = errors.New("prepared dataset exists with a different source or rules")
	// ErrBadOptions: fractions out of range, an invalid dataset name, conflicting flags.
	ErrBadOptions = errors.New("bad prepare options")
)
