package detect

// Perceptual image hashes for duplicate_image. Each image is hashed twice
// with github.com/corona10/goimagehash: a pHash (DCT of a 32x32 greyscale,
// the signs of the 8x8 lowest frequencies against their median) and a
// dHash (the signs of horizontal gradients on a 9x8 thumbnail). Both
// ignore size, JPEG quality and a uniform brightness change; cropping
// shifts the content and costs a few bits of each. Two images are the same
// photo when both distances are small (see SameImage and the distances
// measured in image_test.go): the pHash finds candidates, the dHash keeps
// two different photos that happen to share a pHash apart, and a
// thumbnail compared over the crops a copy may show (imagethumb.go) keeps
// apart the different photos whose hashes are alike all the same.

import (
	"archive/zip"
	"bytes"
	"image"
	"image/draw"
	_ "image/gif" // decoders for image.Decode
	_ "image/jpeg"
	_ "image/png"
	"io"
	"math/bits"
	"path"
	"strconv"
	"strings"

	"github.com/corona10/goimagehash"

	"github.com/cpaudit/cpaudit"
)

// Limits that keep a hostile file from exhausting memory: an image's
// declared size is checked (image.DecodeConfig) before it is decoded, and
// a zip entry's bytes are capped before they are read.
const (
	MaxImageSide     = 12000
	MaxImagePixels   = 50_000_000
	MaxImageBytes    = 32 << 20 // one image file or zip entry
	MaxImagesPerFile = 200      // images of one container that are hashed
	minImageSide     = 32       // icons and bullets are not evidence
)

// Thresholds, in differing bits of 64, up to which two images are the same
// photo: the sum of the pHash and dHash distances, and each alone. The sum
// separates far better than either: a crop moves some pHash bits, a
// brightness change some dHash bits, rarely both, while two different
// photos differ in both. Measured on generated photo-like images
// (gradient, shapes, sensor noise; 16 photos at each of 480x360, 640x480
// and 1024x768) and 8 edits of each (JPEG quality 40; resized to 50% and
// to 75% at quality 60; cropped 8% and 10%, unevenly; brightness +30 and
// -25; resized, cropped 6%, brightened and saved at quality 55 at once):
// the closest pairing of a copy differs by at most 16 bits of pHash, 13 of
// dHash and 24 together, while different photos differ by at least 18
// (pHash), 16 (dHash) and 41 together.
// TestImageThresholds keeps checking this on part of that set. Without the
// centre hashes a 10% crop alone cost up to 22 bits of pHash. The margin
// does not hold at scale: among the 79,800 pairs of 400 such photos a few
// different ones come within these thresholds (the closest at 25 bits
// together, 10 of pHash), and their number grows with the square of the
// photos, so a pair within them is checked on thumbnails as well
// (ThumbMinSimilarity).
const (
	MaxDistance      = 30 // pHash + dHash
	PHashMaxDistance = 20
	DHashMaxDistance = 20
)

// ImageHashes hashes the images in a file: the file itself when it is a
// JPEG, PNG or GIF, the media entries of an Office Open XML container
// (word/media, ppt/media, xl/media), or the JPEG images of a PDF. Images that are too large, too small
// or that do not decode are skipped; a file with no image gives nil.
func ImageHashes(filename, contentType string, data []byte) []cpaudit.ImageHash {
	switch imageSource(filename, contentType) {
	case sourceZip:
		return zipImageHashes(data)
	case sourcePDF:
		return pdfImageHashes(data)
	case sourceImage:
		if h, ok := HashImage(data); ok {
			return []cpaudit.ImageHash{h}
		}
	}
	return nil
}

// MayHoldImages says whether a file, by its name and content type, is an
// image or a container whose images ImageHashes reads, so that other files
// are not read for nothing.
func MayHoldImages(filename, contentType string) bool {
	return imageSource(filename, contentType) != sourceNone
}

// MaxContainerBytes is the largest file whose images are read.
const MaxContainerBytes = 256 << 20

const (
	sourceNone = iota
	sourceImage
	sourceZip
	sourcePDF
)

func imageSource(filename, contentType string) int {
	switch ext := strings.ToLower(path.Ext(filename)); {
	case ext == ".docx" || ext == ".pptx" || ext == ".xlsx" || ext == ".docm" || ext == ".xlsm" || ext == ".pptm" ||
		strings.Contains(contentType, "officedocument"):
		return sourceZip
	case ext == ".pdf" || contentType == "application/pdf":
		return sourcePDF
	case ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".gif" || strings.HasPrefix(contentType, "image/"):
		return sourceImage
	}
	return sourceNone
}

// ImageEXIF is the key under which two photos count as taken by the same
// camera at the same moment: capture time and camera serial number from
// the extraction's metadata, or "" unless both are known.
func ImageEXIF(meta map[string]string) string {
	t, serial := strings.TrimSpace(meta["DateTimeOriginal"]), strings.TrimSpace(meta["BodySerialNumber"])
	if t == "" || serial == "" {
		return ""
	}
	return t + "|" + serial
}

func zipImageHashes(data []byte) []cpaudit.ImageHash {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil
	}
	var out []cpaudit.ImageHash
	for _, f := range zr.File {
		if len(out) >= MaxImagesPerFile {
			break
		}
		dir := path.Dir(f.Name)
		if dir != "word/media" && dir != "ppt/media" && dir != "xl/media" {
			continue
		}
		if f.UncompressedSize64 > MaxImageBytes {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		// The declared size may lie: read at most the cap.
		b, err := io.ReadAll(io.LimitReader(rc, MaxImageBytes+1))
		rc.Close()
		if err != nil || len(b) > MaxImageBytes {
			continue
		}
		if h, ok := HashImage(b); ok {
			h.Entry = f.Name
			out = append(out, h)
		}
	}
	return out
}

// HashImage decodes one JPEG, PNG or GIF image, after checking its declared
// dimensions against the limits, and hashes it.
func HashImage(data []byte) (cpaudit.ImageHash, bool) {
	if len(data) > MaxImageBytes {
		return cpaudit.ImageHash{}, false
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width < minImageSide || cfg.Height < minImageSide ||
		cfg.Width > MaxImageSide || cfg.Height > MaxImageSide || cfg.Width*cfg.Height > MaxImagePixels {
		return cpaudit.ImageHash{}, false
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return cpaudit.ImageHash{}, false
	}
	return HashDecoded(img)
}

// HashDecoded hashes a decoded image.
func HashDecoded(img image.Image) (cpaudit.ImageHash, bool) {
	p, err := goimagehash.PerceptionHash(img)
	if err != nil {
		return cpaudit.ImageHash{}, false
	}
	d, err := goimagehash.DifferenceHash(img)
	if err != nil {
		return cpaudit.ImageHash{}, false
	}
	b := img.Bounds()
	h := cpaudit.ImageHash{PHash: p.GetHash(), DHash: d.GetHash(), Thumb: Thumbnail(img), Width: b.Dx(), Height: b.Dy()}
	// The centre (CentreShare of each side) is hashed too: a copy cropped
	// by up to 10% looks like the original's centre, and the original like
	// the copy's centre grown back.
	mx, my := b.Dx()*(100-CentreShare)/200, b.Dy()*(100-CentreShare)/200
	c := subImage(img, image.Rect(b.Min.X+mx, b.Min.Y+my, b.Max.X-mx, b.Max.Y-my))
	if cp, err := goimagehash.PerceptionHash(c); err == nil {
		if cd, err := goimagehash.DifferenceHash(c); err == nil {
			h.CPHash, h.CDHash = cp.GetHash(), cd.GetHash()
		}
	}
	return h, true
}

// CentreShare is the percentage of each side kept in the centre hash.
const CentreShare = 90

func subImage(img image.Image, r image.Rectangle) image.Image {
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Rect, img, r.Min, draw.Src)
	return out
}

// Distance is the number of bits in which two 64-bit hashes differ.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// Likeness is how alike two hashed images are (SameImage).
type Likeness struct {
	// Same says whether they are the same photo.
	Same bool
	// PHash and DHash are the bits of 64 that differ in the closest
	// pairing of whole and centre hashes.
	PHash, DHash int
	// Thumb is the detail correlation of their thumbnails
	// (ThumbSimilarity), when HasThumb: both have one, the hashes
	// accepted the pair and neither is flat; only then is it computed (it
	// costs milliseconds).
	Thumb    float64
	HasThumb bool
	// Flat says that one of the two was too flat for its thumbnail to be
	// compared (FlatDetail), so the hashes had to be closer.
	Flat bool
}

// SameImage says how alike two hashed images are, and whether they are
// the same photo, by the distances of the closest pairing of their hashes
// (closest): whole with whole, centre with centre, or either's whole with
// the other's centre (one of them was cropped). A pair within the hash
// thresholds (HashesNear) is then checked on the thumbnails
// (ThumbSimilarity) when both have one.
func SameImage(a, b cpaudit.ImageHash) Likeness {
	l := Likeness{}
	l.PHash, l.DHash = closest(a, b)
	if !within(l.PHash, l.DHash) {
		return l
	}
	if a.Thumb != nil && b.Thumb != nil && min(DetailRMS(a.Thumb), DetailRMS(b.Thumb)) < FlatDetail {
		// Too flat for the thumbnails to tell: closer hashes instead.
		l.Flat = true
		l.Same = l.PHash+l.DHash <= FlatMaxDistance
		return l
	}
	l.Thumb, l.HasThumb = ThumbSimilarity(a.Thumb, b.Thumb)
	// Below the threshold the two are alike in outline only: a different
	// scene.
	l.Same = !l.HasThumb || l.Thumb >= ThumbMinSimilarity
	return l
}

// HashesNear says whether two images are within the hash thresholds in
// the closest pairing of their hashes: the test SameImage starts with,
// without thumbnails, so that images far from every one of a document's
// are dropped before theirs are read (storage's image lookup).
func HashesNear(a, b cpaudit.ImageHash) bool { return within(closest(a, b)) }

func within(p, d int) bool {
	return p+d <= MaxDistance && p <= PHashMaxDistance && d <= DHashMaxDistance
}

// closest returns the pHash and dHash distances, in bits of 64, of the
// pairing of two images' whole and centre hashes whose sum is least.
func closest(a, b cpaudit.ImageHash) (p, d int) {
	pairs := [][4]uint64{
		{a.PHash, b.PHash, a.DHash, b.DHash},
		{a.CPHash, b.CPHash, a.CDHash, b.CDHash},
		{a.CPHash, b.PHash, a.CDHash, b.DHash},
		{a.PHash, b.CPHash, a.DHash, b.CDHash},
	}
	p, d = 65, 65
	for i, x := range pairs {
		if i > 0 && (x[0] == 0 && x[2] == 0 || x[1] == 0 && x[3] == 0) {
			continue // no centre hash
		}
		xp, xd := Distance(x[0], x[1]), Distance(x[2], x[3])
		if xp+xd < p+d {
			p, d = xp, xd
		}
	}
	return p, d
}

// pdfImageHashes hashes the images of a PDF stored as JPEG: streams whose
// only filter is DCTDecode hold a JPEG file as they are. Other images
// (Flate-compressed pixels, JPEG 2000, images in compressed object
// streams) are not read. An image's Entry says where its stream starts.
func pdfImageHashes(data []byte) []cpaudit.ImageHash {
	var out []cpaudit.ImageHash
	for off := 0; len(out) < MaxImagesPerFile; {
		i := bytes.Index(data[off:], []byte("/DCTDecode"))
		if i < 0 {
			break
		}
		off += i + len("/DCTDecode")
		// The stream follows its dictionary, which holds the filter.
		j := bytes.Index(data[off:min(len(data), off+4096)], []byte("stream"))
		if j < 0 {
			continue
		}
		start := off + j + len("stream")
		if start < len(data) && data[start] == '\r' {
			start++
		}
		if start < len(data) && data[start] == '\n' {
			start++
		}
		if !bytes.HasPrefix(data[start:], []byte{0xff, 0xd8}) {
			continue // another filter first: not a bare JPEG
		}
		k := bytes.Index(data[start:min(len(data), start+MaxImageBytes+16)], []byte("endstream"))
		if k < 0 {
			continue
		}
		if h, ok := HashImage(data[start : start+k]); ok {
			h.Entry = "pdf@" + strconv.Itoa(start)
			out = append(out, h)
		}
		off = start + k
	}
	return out
}
