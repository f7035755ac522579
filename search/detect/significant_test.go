package detect

import (
	"testing"
	"unicode"
)

// TestSignificantFast: the paths for Han and ASCII answer what the
// Unicode tables answer, for every rune.
func TestSignificantFast(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		got, ok := significant(r)
		want, wantOK := unicode.ToLower(r), unicode.IsLetter(r) || unicode.IsDigit(r)
		if ok != wantOK || ok && got != want {
			t.Fatalf("significant(%U) = %U, %v; want %U, %v", r, got, ok, want, wantOK)
		}
	}
}
