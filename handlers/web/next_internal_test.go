package web

import "testing"

// TestSafeNext checks the login's next against what a browser would make
// of the Location header: anything that could lead off the site is "/".
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/":                          "/",
		"/upload":                    "/upload",
		"/documents?kind=report&p=2": "/documents?kind=report&p=2",
		"/audits/a1#step-3":          "/audits/a1#step-3",
		"/文档/报告":                     "/文档/报告",
		// One encoded layer is what the form's decoding leaves; the
		// browser keeps %2F in the path, on this site.
		"/%2F%2Fevil.example": "/%2F%2Fevil.example",

		// issue 24: browsers drop the tab, or the space or \x0b at the
		// front, and go to //evil.example.
		"/\t/evil.example/":     "/",
		"/ /evil.example/":      "/",
		"/\x0b/evil.example/":   "/",
		"/\n/evil.example/":     "/",
		"/\r/evil.example/":     "/",
		"/\x00/evil.example/":   "/",
		"/\x7f/evil.example/":   "/",
		" //evil.example/":      "/",
		"\t//evil.example/":     "/",
		"//evil.example/":       "/",
		"///evil.example/":      "/",
		`/\evil.example`:        "/",
		`/\\evil.example`:       "/",
		`\/evil.example`:        "/",
		`/.\/evil.example`:      "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"evil.example":          "/",
		"":                      "/",
		"/\u00a0/evil":          "/\u00a0/evil", // no browser strips U+00A0 inside a path
		"/\xff":                 "/",
		"/%zz":                  "/",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}
