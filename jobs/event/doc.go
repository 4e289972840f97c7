// Package event holds object-event types as plain data, and decoders that turn the
// notifications of AWS S3 (as Lambda delivers them) and of MinIO webhooks into them.
//
// Only "object created" notifications become Objects; other kinds (deletes, restores,
// the S3 test event) are dropped without an error. A body that is not a notification
// at all is an error wrapping ErrNotNotification. Keys come back URL-decoded
// ("+" and %xx), relative to the bucket.
package event
