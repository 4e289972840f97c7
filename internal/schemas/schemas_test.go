package schemas

import "testing"

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"valid", `{"schema":"event-marker/v1","function":"ab-eval","key":"k","etag":"e","run_id":"r","status":"ok","done":"2026-01-02T03:04:05Z"}`, true},
		{"missing field", `{"schema":"event-marker/v1","function":"ab-eval","key":"k","etag":"e","run_id":"r","status":"ok"}`, false},
		{"bad enum", `{"schema":"event-marker/v1","function":"ab-eval","key":"k","etag":"e","run_id":"r","status":"meh","done":"2026-01-02T03:04:05Z"}`, false},
		{"unknown schema", `{"schema":"nope/v1"}`, false},
		{"not json", `[`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate([]byte(tt.doc))
			if (err == nil) != tt.ok {
				t.Fatalf("Validate(%s) = %v, want ok=%v", tt.doc, err, tt.ok)
			}
		})
	}
}

func TestFileToName(t *testing.T) {
	if got := fileToName("etl-day-manifest.v1.schema.json"); got != "etl-day-manifest/v1" {
		t.Fatalf("got %q", got)
	}
}
