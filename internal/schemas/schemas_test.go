package schemas

import "testing"

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		ok   bool
	}{
		{"valid", `{"schema":"run-record/v1","id":"x","function":"etl-day","status":"ok"}`, true},
		{"missing field", `{"schema":"run-record/v1","id":"x","function":"etl-day"}`, false},
		{"bad enum", `{"schema":"run-record/v1","id":"x","function":"f","status":"meh"}`, false},
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
