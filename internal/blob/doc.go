// Package blob is the one storage abstraction of the pipeline: a flat bucket of
// objects addressed by slash-separated keys, with three backends chosen by URL.
//
//	file:///abs/path, file://./rel   a local folder (the embedded default)
//	mem://                           an in-process map, for tests
//	s3://bucket/prefix?endpoint=...  AWS S3 or MinIO through aws-sdk-go-v2
//
// Every backend passes the same conformance suite (blobtest). Writes are atomic:
// a reader sees the old object, the new one, or none, never a part. PutOptions.IfAbsent
// makes a write conditional on the key being absent; a lost race returns ErrExists.
package blob
