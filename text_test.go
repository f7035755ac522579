package cpaudit_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestExtractedTextJSON: the tables read with a text are for the analysis;
// the text API answers what it always did.
func TestExtractedTextJSON(t *testing.T) {
	b, err := json.Marshal(cpaudit.ExtractedText{Status: cpaudit.TextDone, Text: "节水量 11000",
		Tables: []cpaudit.Table{{Name: "表1", Rows: [][]string{{"节水量（吨/年）"}, {"11000"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); strings.Contains(s, "表1") || strings.Contains(s, "tables") || !strings.Contains(s, `"text":"节水量 11000"`) {
		t.Errorf("JSON %s", s)
	}
}
