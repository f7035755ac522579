package detect

import (
	"archive/zip"
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/nfnt/resize"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/internal/testpdf"
)

// photo draws a deterministic photo-like image: a sky-to-ground gradient,
// a few filled rectangles and discs (machines, tanks), and sensor noise.
func photo(seed int64, w, h int) *image.RGBA {
	r := rand.New(rand.NewSource(seed))
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c0 := [3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
	c1 := [3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
	angle := r.Float64() * math.Pi
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			t := (float64(x)*math.Cos(angle) + float64(y)*math.Sin(angle)) / float64(w+h)
			t = math.Mod(math.Abs(t), 1)
			img.Set(x, y, color.RGBA{uint8(c0[0]*(1-t) + c1[0]*t), uint8(c0[1]*(1-t) + c1[1]*t), uint8(c0[2]*(1-t) + c1[2]*t), 255})
		}
	}
	for i := 0; i < 12; i++ {
		col := color.RGBA{uint8(r.Intn(256)), uint8(r.Intn(256)), uint8(r.Intn(256)), 255}
		x, y := r.Intn(w), r.Intn(h)
		sw, sh := w/12+r.Intn(w/4), h/12+r.Intn(h/4)
		if i%2 == 0 {
			draw.Draw(img, image.Rect(x, y, x+sw, y+sh), &image.Uniform{col}, image.Point{}, draw.Src)
			continue
		}
		rad := sw / 2
		for yy := y - rad; yy <= y+rad; yy++ {
			for xx := x - rad; xx <= x+rad; xx++ {
				if (xx-x)*(xx-x)+(yy-y)*(yy-y) <= rad*rad && image.Pt(xx, yy).In(img.Rect) {
					img.Set(xx, yy, col)
				}
			}
		}
	}
	for i := range img.Pix {
		if i%4 != 3 {
			v := int(img.Pix[i]) + r.Intn(21) - 10
			img.Pix[i] = uint8(max(0, min(255, v)))
		}
	}
	return img
}

// crop cuts frac of the width and height off, split between the sides
// unevenly (2/3 left/top, 1/3 right/bottom).
func crop(img image.Image, frac float64) image.Image {
	b := img.Bounds()
	dx, dy := int(float64(b.Dx())*frac), int(float64(b.Dy())*frac)
	r := image.Rect(b.Min.X+dx*2/3, b.Min.Y+dy*2/3, b.Max.X-dx/3, b.Max.Y-dy/3)
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(out, out.Rect, img, r.Min, draw.Src)
	return out
}

func brighten(img image.Image, delta int) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	for i := range out.Pix {
		if i%4 != 3 {
			out.Pix[i] = uint8(max(0, min(255, int(out.Pix[i])+delta)))
		}
	}
	return out
}

func encodeJPEG(t testing.TB, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// variants are the edits a copied photo goes through, each saved as JPEG.
func variants(t testing.TB, src image.Image) map[string][]byte {
	b := src.Bounds()
	return map[string][]byte{
		"recompressed q40": encodeJPEG(t, src, 40),
		"resized 50%":      encodeJPEG(t, resize.Resize(uint(b.Dx()/2), 0, src, resize.Bilinear), 85),
		"resized 75% q60":  encodeJPEG(t, resize.Resize(uint(b.Dx()*3/4), 0, src, resize.Lanczos3), 60),
		"cropped 8%":       encodeJPEG(t, crop(src, 0.08), 85),
		"cropped 10%":      encodeJPEG(t, crop(src, 0.10), 85),
		"brightened +30":   encodeJPEG(t, brighten(src, 30), 85),
		"darkened -25":     encodeJPEG(t, brighten(src, -25), 85),
		"all at once":      encodeJPEG(t, brighten(crop(resize.Resize(uint(b.Dx()*2/3), 0, src, resize.Bilinear), 0.06), 20), 55),
	}
}

// imageSurvey widens TestImageThresholds to that many photos (the run the
// thresholds' comments quote: -image-survey 400), against 12 by default.
var imageSurvey = flag.Int("image-survey", 0, "photos for TestImageThresholds (default 12)")

// TestImageThresholds measures the distances and correlations that the
// thresholds rest on: every edited copy is within them, every pair of
// different photos is not the same, with a margin. With 12 photos the
// hashes alone keep them apart; over hundreds some different photos come
// within the hash thresholds, and the thumbnails must reject them.
func TestImageThresholds(t *testing.T) {
	photos, withCopies := 12, 12
	if *imageSurvey > 0 {
		photos, withCopies = *imageSurvey, min(*imageSurvey, 60)
	}
	hashes := make([]cpaudit.ImageHash, photos)
	maxP, maxD, maxS, minSim := 0, 0, 0, 1.0
	for i := range hashes {
		w, h := 480, 360
		if i%2 == 1 && *imageSurvey > 0 {
			w, h = 640, 480 // the benchmark's two sizes
		}
		src := photo(int64(i+1), w, h)
		h0, ok := HashImage(encodeJPEG(t, src, 90))
		if !ok {
			t.Fatal("original does not hash")
		}
		hashes[i] = h0
		if i >= withCopies {
			continue
		}
		for name, b := range variants(t, src) {
			h, ok := HashImage(b)
			if !ok {
				t.Fatalf("%s does not hash", name)
			}
			l := SameImage(h0, h)
			same, p, d, sim := l.Same, l.PHash, l.DHash, l.Thumb
			maxP, maxD, maxS, minSim = max(maxP, p), max(maxD, d), max(maxS, p+d), min(minSim, sim)
			if !same {
				t.Errorf("photo %d %s: pHash distance %d, dHash %d, correlation %.3f: not the same", i, name, p, d, sim)
			}
		}
	}
	minP, minD, minS, maxSim, hashAlike := 64, 64, 128, -1.0, 0
	for i := range hashes {
		for j := i + 1; j < len(hashes); j++ {
			l := SameImage(hashes[i], hashes[j])
			p, d := l.PHash, l.DHash
			minP, minD, minS = min(minP, p), min(minD, d), min(minS, p+d)
			hashOnly := hashes[i]
			hashOnly.Thumb = nil
			if alike := SameImage(hashOnly, hashes[j]).Same; alike || photos <= 12 || (i*photos+j)%40 == 0 {
				// The correlation of every pair the hashes accept, and of
				// a sample of the others (each costs milliseconds).
				sim, _ := ThumbSimilarity(hashes[i].Thumb, hashes[j].Thumb)
				maxSim = max(maxSim, sim)
				if alike {
					hashAlike++
					t.Logf("photos %d and %d: pHash distance %d, dHash %d: alike, correlation %.3f", i, j, p, d, sim)
				}
			}
			if l.Same {
				t.Errorf("photos %d and %d: pHash distance %d, dHash %d: the same", i, j, p, d)
			}
		}
	}
	t.Logf("%d photos, %d with copies: copies pHash <= %d, dHash <= %d, sum <= %d, correlation >= %.3f; "+
		"different photos pHash >= %d, dHash >= %d, sum >= %d, correlation <= %.3f; %d pairs alike by their hashes",
		photos, withCopies, maxP, maxD, maxS, minSim, minP, minD, minS, maxSim, hashAlike)
	// Keep a margin on both sides of the thresholds.
	if maxS > MaxDistance-4 || photos <= 12 && minS < MaxDistance+8 {
		t.Errorf("the margin around MaxDistance %d has shrunk: copies up to %d, different photos from %d", MaxDistance, maxS, minS)
	}
	if minSim < ThumbMinSimilarity+0.1 || maxSim > ThumbMinSimilarity-0.1 {
		t.Errorf("the margin around ThumbMinSimilarity %.2f has shrunk: copies from %.3f, different photos up to %.3f", ThumbMinSimilarity, minSim, maxSim)
	}
}

// TestImageThumbsRejectHashAlike: pairs of different generated photos
// whose hashes are within the thresholds (found by a survey like
// -image-survey's over photo seeds 1001-1400: 3 of their 79,800 pairs)
// are told apart by their thumbnails.
func TestImageThumbsRejectHashAlike(t *testing.T) {
	size := func(seed int64) (int, int) {
		if seed%2 == 0 {
			return 480, 360
		}
		return 640, 480
	}
	for _, pair := range [][2]int64{{1035, 1354}, {1135, 1198}, {1284, 1316}} {
		var hs [2]cpaudit.ImageHash
		for k, seed := range pair {
			w, h := size(seed)
			hs[k], _ = HashImage(encodeJPEG(t, photo(seed, w, h), 85))
		}
		noThumb := hs[0]
		noThumb.Thumb = nil
		byHash := SameImage(noThumb, hs[1])
		alike, p, d := byHash.Same, byHash.PHash, byHash.DHash
		l := SameImage(hs[0], hs[1])
		same, sim := l.Same, l.Thumb
		if !l.HasThumb {
			t.Errorf("photos %v: no thumbnail correlation reported", pair)
		}
		if !alike || same {
			t.Errorf("photos %v: pHash distance %d, dHash %d, correlation %.3f: alike by hashes %v (want true), the same %v (want false)",
				pair, p, d, sim, alike, same)
		}
	}
}

func TestImageHashesLimits(t *testing.T) {
	// A PNG that declares 20000x20000 pixels is not decoded.
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	big := buf.Bytes()
	big = append([]byte(nil), big...)
	// IHDR width and height are at offsets 16 and 20.
	copy(big[16:], []byte{0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20})
	if _, ok := HashImage(big); ok {
		t.Error("a 20000x20000 image was hashed")
	}
	if _, ok := HashImage([]byte("not an image")); ok {
		t.Error("garbage was hashed")
	}
	if hs := ImageHashes("x.docx", "", []byte("PK not a zip")); hs != nil {
		t.Errorf("broken docx gave %v", hs)
	}
	// A zip entry larger than MaxImageBytes (zeros: a few KiB compressed)
	// is not read.
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, err := zw.Create("word/media/bomb.png")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(make([]byte, MaxImageBytes+1))
	zw.Close()
	if zbuf.Len() > 1<<20 {
		t.Fatalf("bomb of %d bytes", zbuf.Len())
	}
	if hs := ImageHashes("x.pptx", "", zbuf.Bytes()); hs != nil {
		t.Errorf("bomb gave %v", hs)
	}
	// Files that can hold no image ImageHashes reads are not read.
	if MayHoldImages("a.txt", "text/plain") || MayHoldImages("a.doc", "application/msword") ||
		!MayHoldImages("a.JPG", "") || !MayHoldImages("b.xlsx", "") || !MayHoldImages("report.pdf", "application/pdf") {
		t.Error("MayHoldImages")
	}
}

func TestImageHashesInDocx(t *testing.T) {
	src := photo(7, 400, 300)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, b := range map[string][]byte{
		"word/document.xml":      []byte("<w:document/>"),
		"word/media/image1.jpeg": encodeJPEG(t, src, 80),
		"word/media/tiny.png":    encodeTiny(t),
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	hs := ImageHashes("report.docx", "", buf.Bytes())
	if len(hs) != 1 || hs[0].Entry != "word/media/image1.jpeg" {
		t.Fatalf("hashes %+v, want word/media/image1.jpeg alone (the icon is too small)", hs)
	}
	h0, _ := HashImage(encodeJPEG(t, resize.Resize(200, 0, src, resize.Bilinear), 70))
	if l := SameImage(hs[0], h0); !l.Same {
		t.Errorf("embedded image and its copy differ: %+v", l)
	}
}

func encodeTiny(t *testing.T) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pdfWithJPEG builds a one-page PDF that shows a JPEG image (an XObject
// with /Filter /DCTDecode), with a correct cross-reference table.
func pdfWithJPEG(jpg []byte, w, h int) []byte {
	return testpdf.File(
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>", w, h),
		testpdf.Stream(fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode", w, h), jpg),
		testpdf.Stream("", fmt.Appendf(nil, "q %d 0 0 %d 0 0 cm /Im1 Do Q", w, h)),
	)
}

func TestImageHashesInPDF(t *testing.T) {
	src := photo(9, 480, 360)
	pdf := pdfWithJPEG(encodeJPEG(t, src, 80), 480, 360)
	hs := ImageHashes("report.pdf", "application/pdf", pdf)
	if len(hs) != 1 || !strings.HasPrefix(hs[0].Entry, "pdf@") {
		t.Fatalf("hashes %+v, want one image", hs)
	}
	h0, _ := HashImage(encodeJPEG(t, crop(src, 0.05), 70))
	if l := SameImage(hs[0], h0); !l.Same {
		t.Errorf("PDF image and its copy differ: %+v", l)
	}
}

// BenchmarkThumbSimilarity: the cost of checking one pair of images the
// hashes accept (a photo and its cropped copy).
func BenchmarkThumbSimilarity(b *testing.B) {
	src := photo(3, 640, 480)
	h0, _ := HashImage(encodeJPEG(b, src, 85))
	h1, _ := HashImage(encodeJPEG(b, crop(src, 0.08), 85))
	for b.Loop() {
		ThumbSimilarity(h0.Thumb, h1.Thumb)
	}
}

// TestHashesNear: the gate storage's image lookup applies before reading
// a stored image is exactly SameImage's hash test, in the closest pairing
// of whole and centre hashes; so no image SameImage would accept is
// dropped by it.
func TestHashesNear(t *testing.T) {
	const base = 0x0123_4567_89ab_cdef
	for _, c := range []struct {
		name string
		a, b cpaudit.ImageHash
		want bool
	}{
		{"same", cpaudit.ImageHash{PHash: base, DHash: base}, cpaudit.ImageHash{PHash: base, DHash: base}, true},
		{"at the thresholds", cpaudit.ImageHash{PHash: base, DHash: base}, cpaudit.ImageHash{PHash: base ^ 0xfffff, DHash: base ^ 0x3ff}, true},
		{"pHash one bit beyond", cpaudit.ImageHash{PHash: base, DHash: base}, cpaudit.ImageHash{PHash: base ^ 0x1fffff, DHash: base}, false},
		{"sum beyond", cpaudit.ImageHash{PHash: base, DHash: base}, cpaudit.ImageHash{PHash: base ^ 0xffff, DHash: base ^ 0x7fff}, false},
		{"whole far, centre like the other's whole (a crop)",
			cpaudit.ImageHash{PHash: ^uint64(base), DHash: ^uint64(base), CPHash: base ^ 1, CDHash: base ^ 2},
			cpaudit.ImageHash{PHash: base, DHash: base}, true},
	} {
		l := SameImage(c.a, c.b)
		if got := HashesNear(c.a, c.b); got != c.want || got != HashesNear(c.b, c.a) {
			t.Errorf("%s: HashesNear %v, want %v both ways", c.name, got, c.want)
		}
		if l.Same && !HashesNear(c.a, c.b) {
			t.Errorf("%s: SameImage accepts what HashesNear drops", c.name)
		}
	}
}
