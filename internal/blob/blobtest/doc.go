// Package blobtest is the conformance suite every blob.Bucket backend passes: reads,
// writes, conditional writes (one winner among racing goroutines), atomic overwrites
// under concurrent readers, key validation, ETags, listing order and prefixes, deletes,
// streamed (non-seekable) bodies and ranged reads.
//
//	func TestConformance(t *testing.T) {
//		blobtest.Run(t, func(t *testing.T) blob.Bucket { return blob.NewMem() })
//	}
package blobtest
