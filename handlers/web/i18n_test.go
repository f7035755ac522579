package web

import (
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
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

// TestErrorCodesTranslated fails when a declared code has no Chinese or no
// English text, when a message file holds an "err." key that is no code
// (a code renamed in Go but not in the files), and when the two texts of a
// code use different parameters or the Chinese is not Chinese.
func TestErrorCodesTranslated(t *testing.T) {
	codes := map[string]bool{}
	for _, c := range cpaudit.Codes {
		codes["err."+string(c)] = true
		for _, lang := range []string{"zh", "en"} {
			if messages[lang]["err."+string(c)] == "" {
				t.Errorf("code %q has no %s text: add err.%s to messages/%s.json", c, lang, c, lang)
			}
		}
	}
	placeholder := regexp.MustCompile(`\{[a-z_]+\}`)
	han := regexp.MustCompile(`\p{Han}`)
	for _, lang := range []string{"zh", "en"} {
		for key := range messages[lang] {
			if strings.HasPrefix(key, "err.") && !codes[key] {
				t.Errorf("messages/%s.json: %q is no code in cpaudit.Codes", lang, key)
			}
		}
	}
	for key := range codes {
		zh, en := messages["zh"][key], messages["en"][key]
		if p, q := placeholder.FindAllString(zh, -1), placeholder.FindAllString(en, -1); !sameSet(p, q) &&
			!strings.Contains(zh, "_zh}") { // a parameter may come in each language
			t.Errorf("%s: Chinese uses %v, English %v", key, p, q)
		}
		if zh != "" && !han.MatchString(zh) {
			t.Errorf("%s: the Chinese text %q has no Chinese", key, zh)
		}
	}
}

func sameSet(a, b []string) bool {
	in := map[string]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
		delete(in, x)
	}
	return len(in) == 0
}

// TestRefusalText puts parameters in and translates those that are words.
func TestRefusalText(t *testing.T) {
	err := cpaudit.Refuse(cpaudit.KindUnprocessable, cpaudit.CodeDatesOutOfOrder, "disclose falls before register").
		With("later", "disclose").With("earlier", "register")
	if got := refusalText("zh", err); !strings.Contains(got, "“信息公开”不得早于“注册并选择审核方式”") {
		t.Errorf("zh: %q", got)
	}
	if got := refusalText("en", err); strings.Contains(got, "{") || strings.Contains(got, "信息") {
		t.Errorf("en: %q", got)
	}
	missing := cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeDocumentsRequired, "step 3: Report missing").
		With("step", "3").With("documents_zh", "审核报告").With("documents_en", "Audit report")
	if zh, en := refusalText("zh", missing), refusalText("en", missing); !strings.Contains(zh, "缺少必交材料：审核报告") ||
		strings.Contains(zh, "Audit report") || !strings.Contains(en, "Audit report") {
		t.Errorf("documents_required: zh %q, en %q", zh, en)
	}
	// An error without a code of its own says its kind's text; an internal
	// one never its message.
	if got := refusalText("zh", cpaudit.Internal("op", errors.New("disk on fire at /var/x"))); got != messages["zh"]["err.internal"] {
		t.Errorf("internal: %q", got)
	}
	if got := refusalText("zh", cpaudit.Errorf(cpaudit.KindConflict, "a sentence in English")); got != messages["zh"]["err.conflict"] {
		t.Errorf("Errorf: %q", got)
	}
}
