package detect

import (
	"archive/zip"
	"bytes"
	"io"
	"path"
	"strconv"
	"strings"
)

// ImageBytes returns the exact bytes of one image of a file, named as
// ImageHashes names it: "" for the file itself when it is an image, a
// media entry of an Office file (word/media/..., ppt/media/..., xl/media/...),
// or "pdf@N" for the JPEG stream of a PDF starting at byte N. It is how a
// reviewer sees the images of a duplicate_image flag side by side. The
// same limits as hashing apply; ok is false when there is no such image.
func ImageBytes(filename, contentType string, data []byte, entry string) ([]byte, bool) {
	switch src := imageSource(filename, contentType); {
	case entry == "" && src == sourceImage:
		return data, len(data) <= MaxImageBytes
	case src == sourceZip:
		return zipEntryBytes(data, entry)
	case src == sourcePDF && strings.HasPrefix(entry, "pdf@"):
		return pdfStreamBytes(data, entry)
	}
	return nil, false
}

func zipEntryBytes(data []byte, entry string) ([]byte, bool) {
	if d := path.Dir(entry); d != "word/media" && d != "ppt/media" && d != "xl/media" {
		return nil, false
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, false
	}
	for _, f := range zr.File {
		if f.Name != entry || f.UncompressedSize64 > MaxImageBytes {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, false
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
		rc.Close()
		return b, err == nil && len(b) <= MaxImageBytes
	}
	return nil, false
}

// pdfStreamBytes reads the bare JPEG stream at the offset an entry names,
// as pdfImageHashes found it: it starts with a JPEG's SOI marker and ends
// before the end of line that precedes "endstream".
func pdfStreamBytes(data []byte, entry string) ([]byte, bool) {
	start, err := strconv.Atoi(strings.TrimPrefix(entry, "pdf@"))
	if err != nil || start < 0 || start >= len(data) || !bytes.HasPrefix(data[start:], []byte{0xff, 0xd8}) {
		return nil, false
	}
	k := bytes.Index(data[start:min(len(data), start+MaxImageBytes+16)], []byte("endstream"))
	if k < 0 {
		return nil, false
	}
	// The end of line before "endstream" is not part of the data.
	img := bytes.TrimSuffix(data[start:start+k], []byte("\n"))
	return bytes.TrimSuffix(img, []byte("\r")), true
}
