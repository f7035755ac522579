package extract

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/gif"  // DecodeConfig of GIF
	_ "image/jpeg" // DecodeConfig of JPEG
	_ "image/png"  // DecodeConfig of PNG
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// extractImage records the pixel size and the EXIF metadata of an image
// (the camera, its serial number, when and where the photo was taken: what
// tells whether two enterprises' "evidence" is the same photo) and ends as
// unsupported: images have no text layer, and OCR is not done here (the
// pipeline hands images to search/ocr).
//
// EXIF is read by a small TIFF reader of our own rather than a library:
// the fields needed are a dozen, the format is simple, and this reader is
// bounded (it reads at most one APP1 segment or chunk of 64 KiB, a few
// hundred entries, each directory once), which the maintained libraries do
// not promise on hostile input.
func extractImage(j *job, r io.ReaderAt, size int64) error {
	if cfg, _, err := image.DecodeConfig(io.NewSectionReader(r, 0, size)); err == nil {
		j.setMeta("Width", strconv.Itoa(cfg.Width))
		j.setMeta("Height", strconv.Itoa(cfg.Height))
	}
	if tiff := findEXIF(r, size); tiff != nil {
		readEXIF(tiff, j.setMeta)
	}
	return unsupported("an image: no text is extracted from images")
}

const maxEXIF = 64 << 10

// findEXIF returns the TIFF structure that holds the EXIF data of a JPEG
// (APP1 "Exif"), a PNG (eXIf chunk) or a WebP (EXIF chunk), or nil.
func findEXIF(r io.ReaderAt, size int64) []byte {
	head := make([]byte, 12)
	if n, _ := r.ReadAt(head, 0); n < 12 {
		return nil
	}
	read := func(off, n int64) []byte {
		if n <= 0 || n > maxEXIF || off < 0 || off+n > size {
			return nil
		}
		b := make([]byte, n)
		if m, _ := r.ReadAt(b, off); int64(m) != n {
			return nil
		}
		return b
	}
	switch {
	case head[0] == 0xff && head[1] == 0xd8:
		// JPEG: walk the markers up to the start of scan.
		off := int64(2)
		for i := 0; i < 1000; i++ {
			m := read(off, 4)
			if m == nil || m[0] != 0xff {
				return nil
			}
			marker, n := m[1], int64(binary.BigEndian.Uint16(m[2:]))
			if marker == 0xda || marker == 0xd9 || n < 2 {
				return nil
			}
			if marker == 0xe1 {
				if seg := read(off+4, n-2); bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
					return seg[6:]
				}
			}
			off += 2 + n
		}
	case bytes.HasPrefix(head, []byte("\x89PNG")):
		off := int64(8)
		for i := 0; i < 10000; i++ {
			h := read(off, 8)
			if h == nil {
				return nil
			}
			n, typ := int64(binary.BigEndian.Uint32(h)), string(h[4:8])
			switch typ {
			case "eXIf":
				return read(off+8, n)
			case "IDAT", "IEND":
				return nil
			}
			off += 12 + n
		}
	case string(head[:4]) == "RIFF" && string(head[8:12]) == "WEBP":
		off := int64(12)
		for i := 0; i < 1000; i++ {
			h := read(off, 8)
			if h == nil {
				return nil
			}
			n := int64(binary.LittleEndian.Uint32(h[4:]))
			if string(h[:4]) == "EXIF" {
				b := read(off+8, n)
				return bytes.TrimPrefix(b, []byte("Exif\x00\x00"))
			}
			off += 8 + n + n%2
		}
	}
	return nil
}

// EXIF tags recorded, by directory.
var (
	ifd0Tags = map[uint16]string{
		0x010e: "ImageDescription", 0x010f: "Make", 0x0110: "Model", 0x0112: "Orientation",
		0x0131: "Software", 0x0132: "DateTime", 0x013b: "Artist",
	}
	exifTags = map[uint16]string{
		0x9003: "DateTimeOriginal", 0x9004: "DateTimeDigitized", 0x9011: "OffsetTimeOriginal",
		0xa420: "ImageUniqueID", 0xa431: "BodySerialNumber", 0xa433: "LensMake", 0xa434: "LensModel",
	}
)

const (
	tagExifIFD = 0x8769
	tagGPSIFD  = 0x8825
)

// readEXIF reads the EXIF fields of a TIFF structure into set. It reads
// IFD0, the Exif IFD and the GPS IFD, each once, and ignores what it cannot
// make sense of.
func readEXIF(tiff []byte, set func(k, v string)) {
	if len(tiff) < 8 {
		return
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return
	}
	ifd0 := bo.Uint32(tiff[4:])
	var exifOff, gpsOff uint32
	for _, e := range ifdEntries(tiff, bo, ifd0) {
		switch {
		case e.tag == tagExifIFD:
			exifOff = e.uint(tiff, bo)
		case e.tag == tagGPSIFD:
			gpsOff = e.uint(tiff, bo)
		case ifd0Tags[e.tag] != "":
			if v := e.text(tiff, bo); v != "" {
				set(ifd0Tags[e.tag], v)
			}
		}
	}
	if exifOff != 0 && exifOff != ifd0 {
		for _, e := range ifdEntries(tiff, bo, exifOff) {
			if name := exifTags[e.tag]; name != "" {
				if v := e.text(tiff, bo); v != "" {
					set(name, v)
				}
			}
		}
	}
	if gpsOff != 0 && gpsOff != ifd0 && gpsOff != exifOff {
		readGPS(tiff, bo, ifdEntries(tiff, bo, gpsOff), set)
	}
}

func readGPS(tiff []byte, bo binary.ByteOrder, entries []ifdEntry, set func(k, v string)) {
	var latRef, lonRef, altRef string
	var lat, lon, alt, ts []float64
	var date string
	for _, e := range entries {
		switch e.tag {
		case 1:
			latRef = e.text(tiff, bo)
		case 2:
			lat = e.rationals(tiff, bo)
		case 3:
			lonRef = e.text(tiff, bo)
		case 4:
			lon = e.rationals(tiff, bo)
		case 5:
			if v := e.value(tiff, bo); len(v) > 0 && v[0] == 1 {
				altRef = "-"
			}
		case 6:
			alt = e.rationals(tiff, bo)
		case 7:
			ts = e.rationals(tiff, bo)
		case 29:
			date = e.text(tiff, bo)
		}
	}
	deg := func(v []float64, neg bool) (string, bool) {
		if len(v) != 3 {
			return "", false
		}
		d := v[0] + v[1]/60 + v[2]/3600
		if neg {
			d = -d
		}
		return strconv.FormatFloat(d, 'f', 6, 64), true
	}
	if s, ok := deg(lat, latRef == "S"); ok {
		set("GPSLatitude", s)
	}
	if s, ok := deg(lon, lonRef == "W"); ok {
		set("GPSLongitude", s)
	}
	if len(alt) == 1 {
		set("GPSAltitude", altRef+strconv.FormatFloat(alt[0], 'f', -1, 64))
	}
	if date != "" {
		if len(ts) == 3 {
			date += fmt.Sprintf(" %02d:%02d:%02d", int(ts[0]), int(ts[1]), int(ts[2]))
		}
		set("GPSDateTime", date)
	}
}

type ifdEntry struct {
	tag, typ uint16
	count    uint32
	raw      [4]byte // the value, or the offset of the value
}

// ifdEntries reads the entries of the directory at off.
func ifdEntries(tiff []byte, bo binary.ByteOrder, off uint32) []ifdEntry {
	if off < 8 || int64(off)+2 > int64(len(tiff)) {
		return nil
	}
	n := int(bo.Uint16(tiff[off:]))
	if n > 500 || int(off)+2+12*n > len(tiff) {
		return nil
	}
	entries := make([]ifdEntry, n)
	for i := range entries {
		b := tiff[int(off)+2+12*i:]
		entries[i] = ifdEntry{tag: bo.Uint16(b), typ: bo.Uint16(b[2:]), count: bo.Uint32(b[4:])}
		copy(entries[i].raw[:], b[8:12])
	}
	return entries
}

var typeSizes = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8}

// value returns the bytes of the entry's value, or nil if it lies outside
// the structure.
func (e ifdEntry) value(tiff []byte, bo binary.ByteOrder) []byte {
	size, ok := typeSizes[e.typ]
	if !ok || e.count > maxEXIF {
		return nil
	}
	n := size * int(e.count)
	if n <= 4 {
		return e.raw[:n]
	}
	off := int(bo.Uint32(e.raw[:]))
	if off < 0 || off+n > len(tiff) || off+n < off {
		return nil
	}
	return tiff[off : off+n]
}

func (e ifdEntry) uint(tiff []byte, bo binary.ByteOrder) uint32 {
	v := e.value(tiff, bo)
	switch {
	case e.typ == 4 && len(v) >= 4:
		return bo.Uint32(v)
	case e.typ == 3 && len(v) >= 2:
		return uint32(bo.Uint16(v))
	}
	return 0
}

// text returns the entry's value as text: ASCII and UTF-8 strings trimmed
// of their NUL terminator, numbers in decimal.
func (e ifdEntry) text(tiff []byte, bo binary.ByteOrder) string {
	v := e.value(tiff, bo)
	switch e.typ {
	case 2, 7:
		s := strings.TrimSpace(strings.TrimRight(string(v), "\x00"))
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		s = strings.ToValidUTF8(s, "")
		if utf8.RuneCountInString(s) > 256 {
			s = string([]rune(s)[:256])
		}
		return strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return -1
			}
			return r
		}, s)
	case 3, 4:
		if e.count == 1 {
			return strconv.FormatUint(uint64(e.uint(tiff, bo)), 10)
		}
	}
	return ""
}

func (e ifdEntry) rationals(tiff []byte, bo binary.ByteOrder) []float64 {
	if e.typ != 5 {
		return nil
	}
	v := e.value(tiff, bo)
	var fs []float64
	for i := 0; i+8 <= len(v); i += 8 {
		num, den := bo.Uint32(v[i:]), bo.Uint32(v[i+4:])
		if den == 0 {
			return nil
		}
		fs = append(fs, float64(num)/float64(den))
	}
	return fs
}
