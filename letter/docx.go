package letter

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// Budgets bound what reading a template may cost, so an uploaded zip bomb
// is refused instead of filling memory.
const (
	MaxTemplateBytes = 4 << 20  // the .docx file itself
	MaxEntries       = 500      // files inside it
	MaxUnpackedBytes = 32 << 20 // all files unpacked together
)

// part is one file of a .docx: XML parts that may hold placeholders are
// unpacked into data; others are copied through compressed as they are.
type part struct {
	file *zip.File
	data []byte // nil: copy file unchanged
}

// readDocx unpacks a .docx within the budgets. KindTooLarge beyond them,
// KindInvalid for something that is not a Word document.
func readDocx(docx []byte) ([]part, error) {
	if len(docx) > MaxTemplateBytes {
		return nil, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeTemplateTooLarge, "the template is larger than %d MiB", MaxTemplateBytes>>20).With("max", strconv.Itoa(MaxTemplateBytes>>20))
	}
	zr, err := zip.NewReader(bytes.NewReader(docx), int64(len(docx)))
	if err != nil {
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTemplateNotDocx, "the template is not a .docx file (not a zip archive)")
	}
	if len(zr.File) > MaxEntries {
		return nil, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeTemplateTooManyFiles, "the template holds more than %d files", MaxEntries)
	}
	var parts []part
	var unpacked int64
	seen := map[string]bool{}
	for _, f := range zr.File {
		if seen[f.Name] {
			return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTemplateDamaged, "the template holds %q twice", f.Name).With("value", f.Name)
		}
		seen[f.Name] = true
		// Every entry is unpacked once, counting real bytes rather than
		// trusting the sizes the archive declares.
		rc, err := f.Open()
		if err != nil {
			return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTemplateDamaged, "the template's file %q cannot be read", f.Name).With("value", f.Name)
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxUnpackedBytes-unpacked+1))
		rc.Close()
		if err != nil {
			return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTemplateDamaged, "the template's file %q is damaged", f.Name).With("value", f.Name)
		}
		unpacked += int64(len(data))
		if unpacked > MaxUnpackedBytes {
			return nil, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeTemplateTooLarge, "the template unpacks to more than %d MiB", MaxUnpackedBytes>>20).With("max", strconv.Itoa(MaxUnpackedBytes>>20))
		}
		p := part{file: f}
		if fillable(f.Name) {
			if err := wellFormed(data); errors.Is(err, errTooDeep) {
				return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTemplateTooDeep, "the template's %s nests elements deeper than %d levels", f.Name, cpaudit.MaxXMLDepth)
			} else if err != nil {
				return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTemplateDamaged, "the template's %s is not well-formed XML", f.Name).With("value", f.Name)
			}
			p.data = data
		}
		parts = append(parts, p)
	}
	if !seen["[Content_Types].xml"] || !seen["word/document.xml"] {
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeTemplateNotWord, "the template is not a Word document (word/document.xml is missing)")
	}
	return parts, nil
}

// fillable says whether a part may hold placeholders: the body, headers
// and footers.
func fillable(name string) bool {
	if name == "word/document.xml" {
		return true
	}
	base, ok := strings.CutPrefix(name, "word/")
	return ok && !strings.Contains(base, "/") && strings.HasSuffix(base, ".xml") &&
		(strings.HasPrefix(base, "header") || strings.HasPrefix(base, "footer"))
}

func wellFormed(data []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			// Text extraction refuses deeper XML, so every letter made
			// from such a template would fail to be read back.
			if depth++; depth > cpaudit.MaxXMLDepth {
				return errTooDeep
			}
		case xml.EndElement:
			depth--
		}
	}
}

var errTooDeep = errors.New("nested too deep")

// writeDocx packs parts again, replacing the filled ones.
func writeDocx(parts []part) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		if p.data == nil {
			if err := zw.Copy(p.file); err != nil {
				return nil, err
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.file.Name, Method: zip.Deflate, Modified: p.file.Modified})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(p.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
