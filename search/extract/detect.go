package extract

import (
	"bytes"
	"io"
	"mime"
	"path"
	"strings"
)

// format is what detect decided: a name and an extractor, or a reason why
// there is none.
type format struct {
	name    string
	extract extractFunc
	reason  string
}

const legacyReason = "legacy Office format: save as .docx/.xlsx/.pptx"

// detect chooses the format from the leading bytes first (they cannot lie
// about being a PDF, a zip, an OLE compound file or an image), then from
// the sniffed content type, then from the file name's extension.
func detect(r io.ReaderAt, size int64, contentType, filename string) format {
	head := make([]byte, 1024)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	ext := strings.ToLower(path.Ext(filename))

	switch {
	case size == 0:
		return format{name: "empty", reason: "the file is empty"}
	case bytes.Contains(head, []byte("%PDF-")):
		return format{name: "pdf", extract: extractPDF}
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return format{name: "zip", extract: extractOOXML}
	case bytes.HasPrefix(head, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return format{name: "ole", reason: legacyReason}
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return format{name: "jpeg", extract: extractImage}
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return format{name: "png", extract: extractImage}
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return format{name: "tiff", extract: extractImage}
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return format{name: "gif", extract: extractImage}
	case len(head) >= 12 && string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		return format{name: "webp", extract: extractImage}
	case bytes.HasPrefix(head, []byte("{\\rtf")):
		return format{name: "rtf", reason: "RTF is not supported: save as .docx"}
	}

	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "text/html", "application/xhtml+xml":
		return format{name: "html", extract: extractHTML}
	case "text/plain", "text/csv", "text/markdown":
		if ext == ".html" || ext == ".htm" {
			return format{name: "html", extract: extractHTML}
		}
		return format{name: "text", extract: extractText}
	}

	switch ext {
	case ".txt", ".csv", ".md", ".markdown", ".text", ".log", ".tsv":
		return format{name: "text", extract: extractText}
	case ".html", ".htm", ".xhtml":
		return format{name: "html", extract: extractHTML}
	case ".pdf":
		return format{name: "pdf", extract: extractPDF}
	case ".docx", ".xlsx", ".pptx":
		return format{name: "zip", extract: extractOOXML}
	case ".doc", ".xls", ".ppt", ".wps", ".et", ".dps":
		return format{name: strings.TrimPrefix(ext, "."), reason: legacyReason}
	}
	if strings.HasPrefix(mt, "text/") {
		return format{name: "text", extract: extractText}
	}
	return format{reason: "no text can be read from this type of file"}
}
