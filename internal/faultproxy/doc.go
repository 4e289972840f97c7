// Package faultproxy is a reverse proxy that injects storage faults, for tests: it sits
// in front of an S3 server (MinIO) and, for a seeded share of requests, answers 503
// SlowDown, or drops the connection before forwarding the request, or forwards it and
// drops the connection instead of answering (the write happened, the client cannot know),
// or answers only half of the body before dropping the connection.
// It counts what it saw, so tests can assert how many attempts a client made.
package faultproxy
