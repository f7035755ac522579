package detect

import (
	"image"
	"image/color"
	"math"
	"math/rand"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// flatPhoto draws a flat scene: a faint grey gradient, six discs of at
// most ±contrast grey levels, and sensor noise (±10) — a wall, a tank
// seen close up, fog.
func flatPhoto(seed int64, w, h int, contrast float64) *image.Gray {
	r := rand.New(rand.NewSource(seed))
	img := image.NewGray(image.Rect(0, 0, w, h))
	base, angle := 80+r.Float64()*100, r.Float64()*math.Pi
	type disc struct{ x, y, rad, delta float64 }
	discs := make([]disc, 6)
	for i := range discs {
		discs[i] = disc{r.Float64() * float64(w), r.Float64() * float64(h), float64(w) / 20 * (1 + r.Float64()*3), (r.Float64()*2 - 1) * contrast}
	}
	for y := range h {
		for x := range w {
			v := base + 30*(float64(x)*math.Cos(angle)+float64(y)*math.Sin(angle))/float64(w+h)
			for _, d := range discs {
				if dx, dy := float64(x)-d.x, float64(y)-d.y; dx*dx+dy*dy < d.rad*d.rad {
					v += d.delta
				}
			}
			img.SetGray(x, y, color.Gray{uint8(max(0, min(255, v+float64(r.Intn(21)-10))))})
		}
	}
	return img
}

// TestFlatPhotos: the thumbnails of flat scenes are not compared (their
// detail is noise), and the closer hash threshold that replaces them
// keeps every edited copy of a faintly structured scene and no pair of
// different flat scenes (the measurements FlatDetail and FlatMaxDistance
// quote; discs of ±16 are measured here too, and the photos of
// TestImageThresholds are far from flat).
func TestFlatPhotos(t *testing.T) {
	// The figures FlatDetail and FlatMaxDistance quote are logged (-v).
	for _, contrast := range []float64{4, 8} {
		maxSum := 0
		for seed := int64(1); seed <= 3; seed++ {
			src := flatPhoto(seed, 640, 480, contrast)
			h0, _ := HashImage(encodeJPEG(t, src, 85))
			if e := DetailRMS(h0.Thumb); e >= FlatDetail {
				t.Fatalf("±%v photo %d: detail %.2f, not flat", contrast, seed, e)
			}
			for name, b := range variants(t, src) {
				h, _ := HashImage(b)
				l := SameImage(h0, h)
				if !l.Same || !l.Flat {
					t.Errorf("±%v photo %d %s: %+v, want the same, judged as flat", contrast, seed, name, l)
				}
				maxSum = max(maxSum, l.PHash+l.DHash)
			}
		}
		t.Logf("±%v: copies differ by at most %d bits of the hashes together", contrast, maxSum)
	}
	for _, contrast := range []float64{0, 4, 8, 16} {
		var hs []cpaudit.ImageHash
		minRMS, maxRMS := math.Inf(1), 0.0
		for seed := int64(1); seed <= 16; seed++ {
			h, _ := HashImage(encodeJPEG(t, flatPhoto(seed, 640, 480, contrast), 85))
			hs = append(hs, h)
			e := DetailRMS(h.Thumb)
			minRMS, maxRMS = min(minRMS, e), max(maxRMS, e)
		}
		minSum := 128
		for i := range hs {
			for j := i + 1; j < len(hs); j++ {
				l := SameImage(hs[i], hs[j])
				if l.Same {
					t.Errorf("±%v photos %d and %d: %+v, want different", contrast, i+1, j+1, l)
				}
				minSum = min(minSum, l.PHash+l.DHash)
			}
		}
		t.Logf("±%v: detail RMS %.2f-%.2f; different scenes differ by at least %d bits together", contrast, minRMS, maxRMS, minSum)
	}
	minRMS := math.Inf(1)
	for seed := int64(1); seed <= 5; seed++ {
		h, _ := HashImage(encodeJPEG(t, photo(seed, 640, 480), 85))
		e := DetailRMS(h.Thumb)
		if e < 4*FlatDetail {
			t.Errorf("photo %d: detail %.2f, too close to flat", seed, e)
		}
		minRMS = min(minRMS, e)
	}
	t.Logf("photos of TestImageThresholds: detail RMS %.2f or more", minRMS)
}
