// Package minioinfra binds a MinIO bucket to the pipeline: it creates the bucket and
// sets its notifications — one webhook queue configuration per route of jobs.Routes,
// with the route's prefix and suffix — and says which server settings the webhook
// target needs. The routing table is the only source: nothing here lists keys by hand.
package minioinfra
