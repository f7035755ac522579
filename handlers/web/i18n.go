package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
)

// messageFiles are the UI's words, one file per language: Simplified
// Chinese (zh.json) first, English (en.json) second, each a flat object of
// key to text. They are data, not code, so translators edit them without
// touching Go; TestMessagesComplete checks that both have every key.
//
//go:embed messages/*.json
var messageFiles embed.FS

// messages is the catalogue read from messageFiles, by language then key.
// It is read once when the package loads and never changes; a broken file
// fails every test and the build of the server, not a request.
var messages = loadMessages(messageFiles)

// loadMessages reads every messages/LANG.json of files.
func loadMessages(files fs.FS) map[string]map[string]string {
	paths, err := fs.Glob(files, "messages/*.json")
	if err != nil || len(paths) == 0 {
		panic(fmt.Sprintf("web: no message files: %v", err))
	}
	out := make(map[string]map[string]string, len(paths))
	for _, p := range paths {
		b, err := fs.ReadFile(files, p)
		if err != nil {
			panic(fmt.Sprintf("web: %s: %v", p, err))
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			panic(fmt.Sprintf("web: %s is not a JSON object of strings: %v", p, err))
		}
		out[strings.TrimSuffix(path.Base(p), ".json")] = m
	}
	return out
}

// translator returns the lookup function pages call as {{call $.T "key"}}.
func translator(lang string) func(key string) string {
	return func(key string) string {
		if m, ok := messages[lang][key]; ok {
			return m
		}
		if m, ok := messages["zh"][key]; ok {
			return m
		}
		return key
	}
}

// translateOr returns the word for key, or raw when there is none: for
// values such as audit log actions, where a new action must still show up
// as itself rather than as a key.
func translateOr(lang, key, raw string) string {
	if m, ok := messages[lang][key]; ok {
		return m
	}
	if m, ok := messages["zh"][key]; ok {
		return m
	}
	return raw
}

// paramWords names the parameters of a refusal whose values are words with
// a translation of their own (an obligation, a step's state), by the
// message key prefix that translates them; other values (numbers, names,
// codes) are put in as they are.
var paramWords = map[string][]string{
	"obligation": {"due."},
	"earlier":    {"due."},
	"later":      {"due."},
	"state":      {"state."},
	"status":     {"flag.status."},
	"gate":       {"audit.gate."},
	"field":      {"field.", "due."}, // a form's field, or a batch's date
}

// refusalText says in lang why err refused a request: the text the message
// files hold for its code ("err." + code), with the error's parameters put
// in for their {name}. It never shows the error's English message, so that
// a page is in its language whatever storage wrote for the API.
func refusalText(lang string, err error) string {
	code, params := httpx.ErrorCode(err)
	text := translateOr(lang, "err."+string(code), "")
	if text == "" { // a code without text fails TestErrorCodesTranslated
		text = translator(lang)("err." + string(cpaudit.DefaultCode(cpaudit.ErrorKind(err))))
	}
	if len(params) == 0 || !strings.Contains(text, "{") {
		return text
	}
	pairs := make([]string, 0, 2*len(params))
	for name, v := range params {
		for _, prefix := range paramWords[name] {
			if w := translateOr(lang, prefix+v, ""); w != "" {
				v = w
				break
			}
		}
		pairs = append(pairs, "{"+name+"}", v)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}
