package httpx

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

const sniffLen = 512

// Office Open XML and OpenDocument files are zip archives; the bytes alone
// say "zip", so the extension picks among the zip-based types (only when
// the bytes really are a zip, so a renamed executable stays what it is).
var zipTypes = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".odt":  "application/vnd.oasis.opendocument.text",
	".ods":  "application/vnd.oasis.opendocument.spreadsheet",
}

// Legacy Office files are OLE2 compound documents.
var oleTypes = map[string]string{
	".doc": "application/msword",
	".xls": "application/vnd.ms-excel",
	".ppt": "application/vnd.ms-powerpoint",
}

var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// SniffContentType decides a file's type from its first bytes, using the
// file name only to tell apart formats that share a container.
func SniffContentType(head []byte, filename string) string {
	ext := strings.ToLower(filepath.Ext(filename))
	ct := http.DetectContentType(head)
	switch {
	case ct == "application/zip":
		if t, ok := zipTypes[ext]; ok {
			return t
		}
	case bytes.HasPrefix(head, oleMagic):
		if t, ok := oleTypes[ext]; ok {
			return t
		}
		return "application/x-ole-storage"
	case strings.HasPrefix(ct, "text/plain"):
		switch ext {
		case ".csv":
			return "text/csv"
		case ".md":
			return "text/markdown"
		}
		// Chinese files are often GB18030/GBK, not UTF-8: say nothing about
		// the charset rather than something wrong.
		if !validUTF8Prefix(head) {
			return "text/plain"
		}
	}
	return ct
}

// validUTF8Prefix reports whether head is UTF-8, allowing the last rune to
// be cut off by the sniffing window. net/http calls any text without
// binary bytes UTF-8, which GBK text is not.
func validUTF8Prefix(head []byte) bool {
	for cut := 0; cut < utf8.UTFMax && cut <= len(head); cut++ {
		if utf8.Valid(head[:len(head)-cut]) {
			return true
		}
	}
	return false
}
