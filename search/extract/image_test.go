package extract

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	cpaudit "github.com/cpaudit/cpaudit"
)

// tiffEntry is one EXIF field to write: a tag and a value (string for
// ASCII, uint32 for LONG, []uint32 for RATIONAL as num/den pairs, byte for
// BYTE).
type tiffEntry struct {
	tag uint16
	val any
}

// buildTIFF writes a little-endian TIFF structure with IFD0 and, when
// given, an Exif IFD and a GPS IFD after it.
func buildTIFF(ifd0, exif, gps []tiffEntry) []byte {
	le := binary.LittleEndian
	out := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	// writeIFD appends a directory and its out-of-line data, and returns
	// where each tag's value field is.
	writeIFD := func(entries []tiffEntry) map[uint16]int {
		fields := make(map[uint16]int)
		data := len(out) + 2 + 12*len(entries) + 4
		var extra []byte
		out = le.AppendUint16(out, uint16(len(entries)))
		for _, e := range entries {
			var typ uint16
			var raw []byte
			var count uint32
			switch v := e.val.(type) {
			case string:
				typ, raw, count = 2, append([]byte(v), 0), uint32(len(v)+1)
			case uint32:
				typ, raw, count = 4, le.AppendUint32(nil, v), 1
			case byte:
				typ, raw, count = 1, []byte{v}, 1
			case []uint32:
				typ, count = 5, uint32(len(v)/2)
				for _, x := range v {
					raw = le.AppendUint32(raw, x)
				}
			}
			out = le.AppendUint16(out, e.tag)
			out = le.AppendUint16(out, typ)
			out = le.AppendUint32(out, count)
			fields[e.tag] = len(out)
			if len(raw) <= 4 {
				out = append(out, append(raw, make([]byte, 4-len(raw))...)...)
			} else {
				out = le.AppendUint32(out, uint32(data+len(extra)))
				extra = append(extra, raw...)
			}
		}
		out = le.AppendUint32(out, 0)
		out = append(out, extra...)
		return fields
	}
	entries := append([]tiffEntry(nil), ifd0...)
	if exif != nil {
		entries = append(entries, tiffEntry{tagExifIFD, uint32(0)})
	}
	if gps != nil {
		entries = append(entries, tiffEntry{tagGPSIFD, uint32(0)})
	}
	fields := writeIFD(entries)
	if exif != nil {
		le.PutUint32(out[fields[tagExifIFD]:], uint32(len(out)))
		writeIFD(exif)
	}
	if gps != nil {
		le.PutUint32(out[fields[tagGPSIFD]:], uint32(len(out)))
		writeIFD(gps)
	}
	return out
}

var cameraEXIF = buildTIFF(
	[]tiffEntry{{0x010f, "HUAWEI"}, {0x0110, "ELS-AN00"}, {0x0132, "2024:03:15 10:20:30"}},
	[]tiffEntry{{0x9003, "2024:03:15 10:20:30"}, {0xa431, "SN-20240315-0001"}},
	[]tiffEntry{
		{1, "N"}, {2, []uint32{31, 1, 13, 1, 4815, 100}},
		{3, "E"}, {4, []uint32{121, 1, 28, 1, 3000, 100}},
		{5, byte(0)}, {6, []uint32{125, 10}},
	},
)

func smallImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 32, 24))
	for x := 0; x < 32; x++ {
		img.Set(x, x%24, color.RGBA{200, 30, 30, 255})
	}
	return img
}

func TestJPEGWithEXIF(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, smallImage(), nil); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	seg := append([]byte("Exif\x00\x00"), cameraEXIF...)
	app1 := append([]byte{0xff, 0xe1}, binary.BigEndian.AppendUint16(nil, uint16(len(seg)+2))...)
	data := append(append(append([]byte{}, plain[:2]...), append(app1, seg...)...), plain[2:]...)

	res := run(t, data, "image/jpeg", "现场照片.jpg", Limits{})
	wantStatus(t, res, cpaudit.TextUnsupported, "image")
	want := map[string]string{
		"Make": "HUAWEI", "Model": "ELS-AN00", "DateTime": "2024:03:15 10:20:30",
		"DateTimeOriginal": "2024:03:15 10:20:30", "BodySerialNumber": "SN-20240315-0001",
		"GPSLatitude": "31.230042", "GPSLongitude": "121.475000", "GPSAltitude": "12.5",
		"Width": "32", "Height": "24",
	}
	for k, v := range want {
		if res.Meta[k] != v {
			t.Errorf("Meta[%s] = %q, want %q (all: %v)", k, res.Meta[k], v, res.Meta)
		}
	}
	if res.Format != "jpeg" {
		t.Errorf("format %q", res.Format)
	}
}

func TestPNGWithEXIF(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, smallImage()); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(cameraEXIF)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, cameraEXIF...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	ihdrEnd := 8 + 8 + 13 + 4
	data := append(append(append([]byte{}, plain[:ihdrEnd]...), chunk...), plain[ihdrEnd:]...)
	res := run(t, data, "image/png", "photo.png", Limits{})
	wantStatus(t, res, cpaudit.TextUnsupported, "image")
	if res.Meta["Model"] != "ELS-AN00" || res.Meta["Width"] != "32" {
		t.Errorf("meta %v", res.Meta)
	}
}

func TestImageWithoutEXIF(t *testing.T) {
	for _, data := range [][]byte{
		[]byte("\xff\xd8\xff\xe1\x00\x02"),                // a JPEG cut short
		[]byte("\xff\xd8\xff\xe1\xff\xffExif\x00\x00II*"), // a segment longer than the file
		[]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
		[]byte("RIFF\x10\x00\x00\x00WEBPEXIF\xff\xff\xff\xff"),
	} {
		res := run(t, data, "", "x.img", Limits{})
		wantStatus(t, res, cpaudit.TextUnsupported, "image")
	}
}

func TestReadEXIFHostile(t *testing.T) {
	// Directories that point at themselves, outside the data, or claim
	// huge counts: read what makes sense and stop.
	le := binary.LittleEndian
	loop := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	loop = le.AppendUint16(loop, 2)
	loop = append(loop, le.AppendUint16(nil, tagExifIFD)...)
	loop = append(loop, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0) // Exif IFD = IFD0
	loop = append(loop, le.AppendUint16(nil, 0x010f)...)
	loop = append(loop, 2, 0, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0) // a string of 2 GiB
	got := map[string]string{}
	readEXIF(loop, func(k, v string) { got[k] = v })
	if len(got) != 0 {
		t.Errorf("read %v from a hostile structure", got)
	}
}
