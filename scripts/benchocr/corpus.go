package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The text: real Chinese prose found on the machine, not generated
// characters. Debian's Simplified Chinese message catalogues
// (/usr/share/locale/zh_CN/LC_MESSAGES/*.mo) hold the human translations
// of every message of the installed programs: full sentences of help texts
// and error messages. Their translations are read straight from the
// compiled catalogues (the GNU .mo format), split into lines, and kept
// when a line reads as a sentence: mostly Han characters, no format
// directives or markup, not an option list.

// moStrings returns the translations (msgstr) of a GNU .mo file.
func moStrings(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 28 {
		return nil, errors.New("not a .mo file")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch {
	case binary.LittleEndian.Uint32(b) == 0x950412de:
	case binary.BigEndian.Uint32(b) == 0x950412de:
		bo = binary.BigEndian
	default:
		return nil, errors.New("not a .mo file")
	}
	n, trans := int(bo.Uint32(b[8:])), int(bo.Uint32(b[16:]))
	var out []string
	for i := 0; i < n; i++ {
		at := trans + 8*i
		if at+8 > len(b) {
			break
		}
		l, o := int(bo.Uint32(b[at:])), int(bo.Uint32(b[at+4:]))
		if o+l > len(b) {
			continue
		}
		out = append(out, strings.Split(string(b[o:o+l]), "\x00")...)
	}
	return out, nil
}

// sentence reports whether a line of a translation reads as prose.
func sentence(line string) bool {
	if utf8.RuneCountInString(line) < 10 || !utf8.ValidString(line) || strings.ContainsAny(line, "%\\<>{}$`|=_*#@~^[]") {
		return false
	}
	first, _ := utf8.DecodeRuneInString(line)
	if !unicode.Is(unicode.Han, first) {
		return false
	}
	han, other := 0, 0
	for _, r := range line {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.IsSpace(r):
		default:
			other++
		}
	}
	return han >= 8 && han*10 >= (han+other)*8
}

// corpus reads the sentences of the catalogues in dir, largest first,
// each once, until want runes; it says which catalogues it used.
func corpus(dir string, want int) (lines []string, used []string, err error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.mo"))
	if err != nil || len(files) == 0 {
		return nil, nil, fmt.Errorf("no message catalogues in %s (is any zh_CN translation installed?)", dir)
	}
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	slices.SortFunc(files, func(a, b string) int {
		if d := size(b) - size(a); d != 0 {
			if d > 0 {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b)
	})
	seen := map[string]bool{}
	total := 0
	for _, f := range files {
		strs, err := moStrings(f)
		if err != nil {
			continue
		}
		n := 0
		for _, s := range strs {
			for _, line := range strings.Split(s, "\n") {
				line = strings.Join(strings.Fields(line), " ")
				if !sentence(line) || seen[line] {
					continue
				}
				seen[line] = true
				lines = append(lines, line)
				n++
				total += utf8.RuneCountInString(line)
			}
		}
		if n > 0 {
			used = append(used, fmt.Sprintf("%s (%d lines)", filepath.Base(f), n))
		}
		if total >= want {
			break
		}
	}
	if total < want {
		return lines, used, fmt.Errorf("only %d characters of Chinese prose in %s, %d wanted", total, dir, want)
	}
	return lines, used, nil
}

// paginate fills pages with whole lines, at most perPage runes and at
// most maxRows rows as LibreOffice lays a text file out on A4 (10 pt: a
// row holds about 47 Han characters or 78 Latin ones), so that no page
// spills onto a second one.
func paginate(lines []string, pages, perPage int) [][]string {
	const maxRows = 36
	rows := func(l string) int {
		w := 0
		for _, r := range l {
			if r >= 0x2E80 {
				w += 10
			} else {
				w += 6
			}
		}
		return (w + 469) / 470
	}
	var out [][]string
	var cur []string
	n, h := 0, 0
	for _, l := range lines {
		c, r := utf8.RuneCountInString(l), rows(l)
		if (n+c > perPage || h+r > maxRows) && len(cur) > 0 {
			out = append(out, cur)
			if len(out) == pages {
				return out
			}
			cur, n, h = nil, 0, 0
		}
		cur = append(cur, l)
		n += c
		h += r
	}
	if len(cur) > 0 && len(out) < pages {
		out = append(out, cur)
	}
	return out
}
