package cpaudit_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// TestCodesListed keeps Codes whole: every constant of type Code declared
// in codes.go is listed once, and every code is spelled as one.
func TestCodesListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	listed := map[cpaudit.Code]int{}
	for _, c := range cpaudit.Codes {
		listed[c]++
	}
	spelling := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, v := range vs.Values {
				lit, ok := v.(*ast.BasicLit)
				if !ok {
					t.Errorf("%v: a code's value must be a literal", vs.Names)
					continue
				}
				declared++
				code := cpaudit.Code(lit.Value[1 : len(lit.Value)-1])
				if listed[code] != 1 {
					t.Errorf("code %q is listed %d times in Codes, want once", code, listed[code])
				}
				if !spelling.MatchString(string(code)) {
					t.Errorf("code %q: use lower-case words joined by _", code)
				}
			}
		}
	}
	if declared != len(cpaudit.Codes) {
		t.Errorf("%d codes declared, %d listed", declared, len(cpaudit.Codes))
	}
}

func TestErrorCode(t *testing.T) {
	refusal := cpaudit.Refuse(cpaudit.KindConflict, cpaudit.CodeStepLocked, "step %d is accepted", 3).With("step", "3")
	for _, tc := range []struct {
		err    error
		code   cpaudit.Code
		params map[string]string
	}{
		{refusal, cpaudit.CodeStepLocked, map[string]string{"step": "3"}},
		{fmt.Errorf("storage: %w", refusal), cpaudit.CodeStepLocked, map[string]string{"step": "3"}},
		{cpaudit.Internal("op", refusal), cpaudit.CodeStepLocked, map[string]string{"step": "3"}},
		{cpaudit.Errorf(cpaudit.KindNotFound, "no such thing"), cpaudit.CodeNotFound, nil},
		{cpaudit.Errorf(cpaudit.KindInvalid, "bad"), cpaudit.CodeInvalid, nil},
		{cpaudit.Errorf(cpaudit.KindTooLarge, "big"), cpaudit.CodeTooLarge, nil},
		{cpaudit.Internal("op", errors.New("disk on fire")), cpaudit.CodeInternal, nil},
		{errors.New("unclassified"), cpaudit.CodeInternal, nil},
		// An internal error names no code of its own, whatever it carries.
		{&cpaudit.Error{Kind: cpaudit.KindInternal, Code: cpaudit.CodeStepLocked, Params: map[string]string{"x": "y"}}, cpaudit.CodeInternal, nil},
	} {
		if got := cpaudit.ErrorCode(tc.err); got != tc.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", tc.err, got, tc.code)
		}
		if got := cpaudit.ErrorParams(tc.err); fmt.Sprint(got) != fmt.Sprint(tc.params) {
			t.Errorf("ErrorParams(%v) = %v, want %v", tc.err, got, tc.params)
		}
	}
	if m := cpaudit.ErrorMessage(refusal); m != "step 3 is accepted" || !cpaudit.IsKind(refusal, cpaudit.KindConflict) {
		t.Errorf("Refuse: message %q, kind %v", m, cpaudit.ErrorKind(refusal))
	}
	for k := cpaudit.KindInternal; k <= cpaudit.KindUnavailable; k++ {
		if c := cpaudit.DefaultCode(k); c == "" || (k != cpaudit.KindInternal && c == cpaudit.CodeInternal) {
			t.Errorf("kind %v has default code %q", k, c)
		}
	}
}
