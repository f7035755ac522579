package cpaudit

import (
	"os"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit/internal/testenv"
)

// TestContractCopy keeps docs/api-contract.md, the repository's copy of the
// external contract, the same as ../shared/API.md, its source, whenever
// that file is at hand (always in CI).
func TestContractCopy(t *testing.T) {
	source, err := os.ReadFile("../shared/API.md")
	if err != nil {
		if testenv.InCI() {
			t.Fatalf("CI has ../shared beside the project: %v", err)
		}
		t.Skip("../shared/API.md is not beside the project")
	}
	copied, err := os.ReadFile("docs/api-contract.md")
	if err != nil {
		t.Fatal(err)
	}
	// Below the copy's header (its quoted lines and a blank line).
	body := string(copied)
	for strings.HasPrefix(body, "> ") {
		_, body, _ = strings.Cut(body, "\n")
	}
	if body = strings.TrimPrefix(body, "\n"); body != string(source) {
		t.Error("docs/api-contract.md differs from ../shared/API.md: copy the contract again below its header")
	}
}
