package miniotest

import (
	"regexp"
	"testing"
)

func TestBucketName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	for _, tc := range []struct{ test, prefix string }{
		{"TestX", "t-testx-"},
		{"TestMinIOConformance/RacePutIfAbsent", "t-testminioconformance-raceputifabsent-"},
		{"Test__odd  NAME/#01", "t-test-odd-name-01-"},
		{"TestAVeryLongNameThatKeepsGoingAndGoingAndGoingForeverAndEver/sub", "t-testaverylongnamethatkeepsgoingandgoinga-"},
	} {
		got := bucketName(tc.test)
		if !valid.MatchString(got) || len(got) != len(tc.prefix)+12 || got[:len(tc.prefix)] != tc.prefix {
			t.Errorf("bucketName(%q) = %q, want %s + 12 hex digits, a valid bucket name", tc.test, got, tc.prefix)
		}
	}
	if bucketName("TestX") == bucketName("TestX") {
		t.Error("two buckets of one test share a name")
	}
}
