// Package redact keeps secrets out of what the pipeline prints and records: URL
// scrubs a URL (the one function every printed or recorded bucket URL goes
// through), Text scrubs free text (error messages, log values), Args a command
// line. What is removed is replaced by Redacted; what carries no secret comes back
// unchanged, byte for byte.
package redact
