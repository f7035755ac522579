package extract

import (
	"encoding/xml"
	"slices"
	"strings"
)

// extractDocx writes the body of a Word document, then its footnotes and
// endnotes, then its headers and footers (once each, not once per page),
// and collects the tables of the body.
func extractDocx(a *archive) error {
	parts := []string{"word/document.xml", "word/footnotes.xml", "word/endnotes.xml"}
	parts = append(parts, a.partsWithPrefix("word", "header")...)
	parts = append(parts, a.partsWithPrefix("word", "footer")...)
	for _, name := range parts {
		if !a.has(name) {
			continue
		}
		visit := a.textVisitor()
		if name == "word/document.xml" {
			// The body's tables are collected in the same walk as its
			// text (a text cut at its bound ends the walk, and the
			// tables with it).
			visit = both(a.tableVisitor(), visit)
		}
		if err := a.walk(name, visit); err != nil {
			return err
		}
		if err := a.j.out.sep('\n'); err != nil {
			return err
		}
	}
	return nil
}

// extractPptx writes the text of the slides in the order of the
// presentation, each followed by its speaker notes.
func extractPptx(a *archive) error {
	for _, slide := range a.slides() {
		if err := a.walk(slide, a.textVisitor()); err != nil {
			return err
		}
		rels, err := a.relationships(strings.Replace(slide, "slides/", "slides/_rels/", 1) + ".rels")
		if err != nil {
			return err
		}
		for _, target := range sortedValues(rels) {
			if strings.HasPrefix(target, "ppt/notesSlides/") && a.has(target) {
				if err := a.walk(target, a.textVisitor()); err != nil {
					return err
				}
			}
		}
		if err := a.j.out.sep('\n'); err != nil {
			return err
		}
	}
	return nil
}

// slides lists the slide parts in presentation order (p:sldIdLst), falling
// back to the order of their numbers when the list cannot be followed.
func (a *archive) slides() []string {
	rels, err := a.relationships("ppt/_rels/presentation.xml.rels")
	var ordered []string
	if err == nil {
		err = a.walk("ppt/presentation.xml", func(tok xml.Token, stack []string) error {
			t, ok := tok.(xml.StartElement)
			if ok && t.Name.Local == "sldId" {
				if target := rels[relID(t)]; target != "" && a.has(target) && !slices.Contains(ordered, target) {
					ordered = append(ordered, target)
				}
			}
			return nil
		})
	}
	if err != nil || len(ordered) == 0 {
		return a.partsWithPrefix("ppt/slides", "slide")
	}
	return ordered
}

// relID returns the r:id attribute of t (the relationships namespace).
func relID(t xml.StartElement) string {
	for _, at := range t.Attr {
		if at.Name.Local == "id" && strings.Contains(at.Name.Space, "relationships") {
			return at.Value
		}
	}
	return ""
}

// textVisitor writes the text of WordprocessingML and DrawingML: the
// content of t elements (w:t, a:t, m:t), tabs and breaks inside runs, a
// newline after each paragraph and table row, a tab after each cell. It
// skips mc:Fallback, which repeats the content of mc:Choice for old readers,
// and field codes and deleted text, which are not t elements.
func (a *archive) textVisitor() func(tok xml.Token, stack []string) error {
	w := &a.j.out
	fallback := 0 // depth of the outermost mc:Fallback we are in, 0 if none
	return func(tok xml.Token, stack []string) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if fallback > 0 {
				return nil
			}
			parent := ""
			if len(stack) > 1 {
				parent = stack[len(stack)-2]
			}
			switch t.Name.Local {
			case "Fallback":
				fallback = len(stack)
			case "tab":
				if parent == "r" {
					return w.WriteRune('\t')
				}
			case "br", "cr":
				if parent == "r" || parent == "p" {
					return w.WriteRune('\n')
				}
			case "noBreakHyphen":
				return w.WriteRune('-')
			}
		case xml.EndElement:
			if fallback > 0 {
				if len(stack) == fallback {
					fallback = 0
				}
				return nil
			}
			switch t.Name.Local {
			case "p", "tr":
				return w.WriteRune('\n')
			case "tc":
				return w.WriteRune('\t')
			}
		case xml.CharData:
			if fallback == 0 && len(stack) > 0 && stack[len(stack)-1] == "t" {
				return w.WriteString(string(t))
			}
		}
		return nil
	}
}

func sortedValues(m map[string]string) []string {
	vs := make([]string, 0, len(m))
	for _, v := range m {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}
