package quality_test

import (
	"os"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/quality"
)

// README's table of checks is what a reader of a report looks names up in: every check
// a report can hold must be in it, spelled as the report spells it.
func TestREADMEListsEveryCheck(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	checks := []string{
		quality.CheckIntegrity, quality.CheckCompleteness, quality.CheckValidityIDs, quality.CheckValidityRating,
		quality.CheckValidityTimestamp, quality.CheckUniqueDay, quality.CheckUniqueEarlier, quality.CheckUniqueTrain,
		quality.CheckConsistencyStart, quality.CheckConsistencyOrder, quality.CheckConsistencyCatalog, quality.CheckVolume,
		quality.CheckRejectedShare, quality.CheckDriftPSI, quality.CheckDriftKS, quality.CheckUnseenUsers,
		quality.CheckUnseenItems, quality.AnomalyPrefix + "<metric>",
	}
	for _, c := range checks {
		if !strings.Contains(string(readme), "`"+c+"`") {
			t.Errorf("README's quality table does not list `%s`", c)
		}
	}
}
