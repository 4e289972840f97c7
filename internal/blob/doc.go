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
//
// The file backend writes a temporary file (".recpipe-" names, never listed, refused as
// keys) in the object's folder, fsyncs it and renames it into place, or links it for a
// conditional write; all paths go through an os.Root, so neither a key nor a symlink can
// reach outside the folder. The ETag (hex MD5) is kept in an extended attribute set
// before the rename, so Stat is cheap; without one it is computed from the content.
//
// The s3 backend makes one attempt per call (the SDK's retries are off) and spools
// non-seekable bodies to a temporary file. Open wraps it in WithRetry, which retries
// what IsTransient calls transient (5xx, 429, timeouts, dropped connections, 409
// ConditionalRequestConflict) with exponential backoff, bounded in attempts and time.
// Ranged reads (GetRange) survive WithRetry and WithCommitHook.
package blob
