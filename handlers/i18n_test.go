package handlers

import (
	"io/fs"
	"regexp"
	"testing"

	"github.com/cpaudit/cpaudit/templates"
)

// TestMessagesComplete keeps both languages whole: a key in one table
// only would silently fall back to Chinese on the English pages, and a
// key a template asks for but no table has would show as the bare key.
func TestMessagesComplete(t *testing.T) {
	if len(messages) != 2 || len(messages["zh"]) == 0 || len(messages["en"]) == 0 {
		t.Fatalf("message files for %d languages, want zh and en", len(messages))
	}
	for key := range messages["zh"] {
		if _, ok := messages["en"][key]; !ok {
			t.Errorf("%q has no English", key)
		}
	}
	for key := range messages["en"] {
		if _, ok := messages["zh"][key]; !ok {
			t.Errorf("%q has no Chinese", key)
		}
	}
	// Only literal keys: computed ones (printf "kind.%s") are checked by
	// the page tests that show them.
	literal := regexp.MustCompile(`call \$?\.T "([^"]+)"`)
	names, err := fs.Glob(templates.FS, "*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(templates.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if _, ok := messages["zh"][m[1]]; !ok {
				t.Errorf("%s asks for %q, which no table has", name, m[1])
			}
		}
	}
}
