package extract

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// archive is a zip file opened under the job's budget: every entry is read
// through a counter that fails once the bytes decompressed from the whole
// archive pass Limits.MaxUnzipped, whatever the entries declare.
type archive struct {
	j     *job
	files map[string]*zip.File
}

func openArchive(j *job, r io.ReaderAt, size int64) (*archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, failed("not a valid zip archive (damaged or truncated): %v", err)
	}
	a := &archive{j: j, files: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		name := strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(f.Name, `\`, "/")), "/")
		if _, dup := a.files[name]; !dup {
			a.files[name] = f
		}
	}
	return a, nil
}

func (a *archive) has(name string) bool { _, ok := a.files[name]; return ok }

// open returns the decompressed bytes of the entry name as a stream.
func (a *archive) open(name string) (io.ReadCloser, error) {
	f, ok := a.files[name]
	if !ok {
		return nil, failed("the archive has no %s", name)
	}
	if f.UncompressedSize64 > uint64(a.j.lim.MaxUnzipped-a.j.unzipped) {
		return nil, errBomb
	}
	rc, err := f.Open()
	if err != nil {
		return nil, failed("damaged archive entry %s: %v", name, err)
	}
	return &countingReader{rc: rc, j: a.j, name: name}, nil
}

// countingReader charges every byte read to the job and checks its context,
// so a decompression that runs away is stopped by size or by time.
type countingReader struct {
	rc   io.ReadCloser
	j    *job
	name string
}

func (c *countingReader) Read(p []byte) (int, error) {
	if err := c.j.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.rc.Read(p)
	if e := c.j.inflated(int64(n)); e != nil {
		return n, e
	}
	if err != nil && err != io.EOF {
		err = failed("damaged archive entry %s: %v", c.name, err)
	}
	return n, err
}

func (c *countingReader) Close() error { return c.rc.Close() }

// maxXMLDepth bounds the XML we read: deeper documents are hostile, not
// Office files.
const maxXMLDepth = cpaudit.MaxXMLDepth

// walkXML streams the tokens of the XML part name to visit, with the path
// of element local names so far, under the job's budget.
func walkXML(j *job, name string, r io.Reader, visit func(tok xml.Token, stack []string) error) error {
	d := xml.NewDecoder(r)
	d.Strict = false // Office files in the wild are not always well formed
	var stack []string
	for {
		if err := j.tick(); err != nil {
			return err
		}
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var f *failure
			if errors.As(err, &f) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return failed("malformed XML in %s: %v", name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= maxXMLDepth {
				return failed("XML in %s is nested deeper than %d elements", name, maxXMLDepth)
			}
			stack = append(stack, t.Name.Local)
			err = visit(t, stack)
		case xml.EndElement:
			err = visit(t, stack)
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			err = visit(t, stack)
		}
		if err != nil {
			return err
		}
	}
}

// walk streams the XML entry name of a to visit.
func (a *archive) walk(name string, visit func(tok xml.Token, stack []string) error) error {
	rc, err := a.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return walkXML(a.j, name, rc, visit)
}

// relationships reads a .rels part: relationship id → target path,
// resolved against the directory of the part the relationships belong to.
func (a *archive) relationships(relsName string) (map[string]string, error) {
	rels := make(map[string]string)
	if !a.has(relsName) {
		return rels, nil
	}
	base := path.Dir(path.Dir(relsName)) // word/_rels/document.xml.rels → word
	err := a.walk(relsName, func(tok xml.Token, stack []string) error {
		t, ok := tok.(xml.StartElement)
		if !ok || t.Name.Local != "Relationship" {
			return nil
		}
		var id, target, mode string
		for _, at := range t.Attr {
			switch at.Name.Local {
			case "Id":
				id = at.Value
			case "Target":
				target = at.Value
			case "TargetMode":
				mode = at.Value
			}
		}
		if id == "" || target == "" || mode == "External" {
			return nil
		}
		if strings.HasPrefix(target, "/") {
			rels[id] = strings.TrimPrefix(path.Clean(target), "/")
		} else {
			rels[id] = strings.TrimPrefix(path.Clean("/"+path.Join(base, target)), "/")
		}
		return nil
	})
	return rels, err
}

// extractOOXML reads a zip that should be an Office Open XML document and
// hands it to the extractor of its kind, recognised by its main part.
func extractOOXML(j *job, r io.ReaderAt, size int64) error {
	a, err := openArchive(j, r, size)
	if err != nil {
		return err
	}
	switch {
	case a.has("word/document.xml"):
		j.format = "docx"
		return extractDocx(a)
	case a.has("xl/workbook.xml"):
		j.format = "xlsx"
		return extractXlsx(a)
	case a.has("ppt/presentation.xml"):
		j.format = "pptx"
		return extractPptx(a)
	case a.has("content.xml") && a.has("mimetype"):
		return unsupported("OpenDocument files are not supported: save as .docx/.xlsx/.pptx")
	case a.has("[Content_Types].xml"):
		return unsupported("an Office Open XML package of an unknown kind")
	}
	return unsupported("a zip archive, not a document: upload the files it contains")
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// partsWithPrefix lists the entries named dir/prefixN.xml (or
// dir/prefix.xml) in the order of N, so header2 comes before header10.
func (a *archive) partsWithPrefix(dir, prefix string) []string {
	type part struct {
		n    int
		name string
	}
	var parts []part
	for name := range a.files {
		base := path.Base(name)
		if path.Dir(name) != dir || !strings.HasPrefix(base, prefix) || !strings.HasSuffix(base, ".xml") {
			continue
		}
		num := strings.TrimSuffix(strings.TrimPrefix(base, prefix), ".xml")
		n, err := strconv.Atoi(num)
		if err != nil && num != "" {
			continue
		}
		parts = append(parts, part{n, name})
	}
	slices.SortFunc(parts, func(x, y part) int {
		if c := cmp.Compare(x.n, y.n); c != 0 {
			return c
		}
		return strings.Compare(x.name, y.name)
	})
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.name
	}
	return names
}
