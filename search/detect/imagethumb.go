package detect

// The second, finer check of duplicate_image. The 64-bit hashes of
// image.go find candidates and reject most other photos, but simple
// scenes (a gradient and a few flat shapes) differ from each other by as
// few bits as an edited copy does, so a pair the hashes accept is checked
// again on a small greyscale thumbnail kept per image: the two thumbnails
// are aligned over every crop and shift a copy cropped by up to 10% can
// show, and compared by normalised cross-correlation of their detail (the
// thumbnail minus its blurred self), which ignores a brightness or
// contrast change and the smooth background that makes different scenes'
// hashes alike. See ThumbMinSimilarity for the threshold and how it was
// measured.

import (
	"image"
	"math"
)

// ThumbSide is the side of the greyscale thumbnail kept per image: the
// whole image averaged into ThumbSide x ThumbSide cells (its aspect ratio
// is not kept; the alignment search absorbs the change a crop makes).
const ThumbSide = 32

// Thumbnail is the greyscale thumbnail of an image, ThumbSide*ThumbSide
// bytes row by row, each the mean luma of its cell.
func Thumbnail(img image.Image) []byte {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w < ThumbSide || h < ThumbSide {
		return nil
	}
	var sum [ThumbSide * ThumbSide]uint64
	var count [ThumbSide * ThumbSide]uint32
	cellX := make([]int, w)
	for x := range w {
		cellX[x] = x * ThumbSide / w
	}
	luma := lumaRow(img)
	row := make([]uint8, w)
	for y := range h {
		cy := y * ThumbSide / h * ThumbSide
		luma(b.Min.Y+y, row)
		for x, v := range row {
			sum[cy+cellX[x]] += uint64(v)
			count[cy+cellX[x]]++
		}
	}
	out := make([]byte, ThumbSide*ThumbSide)
	for i := range out {
		out[i] = uint8((sum[i] + uint64(count[i])/2) / uint64(count[i]))
	}
	return out
}

// lumaRow returns a function that fills row with the luma of one row of
// img: read from the Y plane of a JPEG directly, from pixels otherwise.
func lumaRow(img image.Image) func(y int, row []uint8) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.YCbCr:
		return func(y int, row []uint8) {
			i := m.YOffset(b.Min.X, y)
			copy(row, m.Y[i:i+len(row)])
		}
	case *image.Gray:
		return func(y int, row []uint8) {
			i := m.PixOffset(b.Min.X, y)
			copy(row, m.Pix[i:i+len(row)])
		}
	case *image.RGBA:
		return func(y int, row []uint8) {
			i := m.PixOffset(b.Min.X, y)
			for x := range row {
				p := m.Pix[i+4*x : i+4*x+3]
				row[x] = uint8((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
			}
		}
	}
	return func(y int, row []uint8) {
		for x := range row {
			r, g, bl, _ := img.At(b.Min.X+x, y).RGBA()
			row[x] = uint8((19595*r + 38470*g + 7471*bl + 1<<15) >> 24)
		}
	}
}

// ThumbSimilarity is the normalised cross-correlation of two thumbnails'
// detail in their best alignment, from -1 to 1; ok is false when either
// is missing (an image stored before thumbnails were kept).
//
// The alignment maps a point u of A (coordinates 0..1 on each axis) to
// (u-o)/s in B, per axis: two copies of one photo each cropped by up to
// 10% have s between 0.9 and 1/0.9 and o within ±0.11. The search runs on
// 16x16 halves of the detail first (scales 0.9 to 1.1 in steps of 0.05,
// shifts of ±0.12 in steps of 0.04 on each axis: 1,225 alignments), then
// refines the best two by hill climbing on the full thumbnails with
// steps of 0.02, 0.01 and 0.005; the correlation is taken over the part
// of A that lies in B.
func ThumbSimilarity(a, b []byte) (sim float64, ok bool) {
	if len(a) != ThumbSide*ThumbSide || len(b) != ThumbSide*ThumbSide {
		return 0, false
	}
	da, db := detail(a, ThumbSide), detail(b, ThumbSide)
	ca, cb := halve(da, ThumbSide), halve(db, ThumbSide)
	const half = ThumbSide / 2
	type axis struct {
		s, o   float64
		at     []sample
		ah, bh []float32 // a and b resampled along x at this axis' points
	}
	var axes []axis
	for s := 0.90; s < 1.125; s += 0.05 {
		for o := -0.12; o < 0.125; o += 0.04 {
			if at, ok := samples(half, s, o); ok {
				axes = append(axes, axis{s: s, o: o, at: at, ah: alongX(ca, half, at, false), bh: alongX(cb, half, at, true)})
			}
		}
	}
	// The best few coarse alignments, refined each.
	const keep = 2
	type cand struct {
		x, y *axis
		r    float64
	}
	best := make([]cand, 0, keep+1)
	for i := range axes {
		for j := range axes {
			x, y := &axes[i], &axes[j]
			r := correlateY(x.ah, x.bh, len(x.at), y.at)
			if len(best) == keep && r <= best[keep-1].r {
				continue
			}
			k := len(best)
			best = append(best, cand{x, y, r})
			for ; k > 0 && best[k-1].r < r; k-- {
				best[k], best[k-1] = best[k-1], best[k]
			}
			best = best[:min(len(best), keep)]
		}
	}
	sim = -1
	for _, c := range best {
		p := [4]float64{c.x.s, c.x.o, c.y.s, c.y.o}
		r := correlate(da, db, ThumbSide, p[0], p[1], p[2], p[3])
		for step := 0.02; step >= 0.0049; step /= 2 {
			for improved := true; improved; {
				improved = false
				for k := range p {
					for _, d := range []float64{-step, step} {
						q := p
						q[k] += d
						if rq := correlate(da, db, ThumbSide, q[0], q[1], q[2], q[3]); rq > r {
							p, r, improved = q, rq, true
						}
					}
				}
			}
		}
		sim = max(sim, r)
	}
	return sim, true
}

// alongX resamples every row of t (side x side) at the points xs, on a's
// side or b's: side rows of len(xs) values.
func alongX(t []float32, side int, xs []sample, onB bool) []float32 {
	out := make([]float32, side*len(xs))
	for y := range side {
		row := t[y*side : (y+1)*side]
		for i, s := range xs {
			l := s.a
			if onB {
				l = s.b
			}
			w := float32(l.w)
			out[y*len(xs)+i] = row[l.i]*(1-w) + row[l.i+1]*w
		}
	}
	return out
}

// correlateY is the correlation of rows already resampled along x (n
// values each) at the points ys along y.
func correlateY(ah, bh []float32, n int, ys []sample) float64 {
	var sa, sb, saa, sbb, sab float32
	for _, py := range ys {
		a0, a1 := ah[py.a.i*n:(py.a.i+1)*n], ah[(py.a.i+1)*n:(py.a.i+2)*n]
		b0, b1 := bh[py.b.i*n:(py.b.i+1)*n], bh[(py.b.i+1)*n:(py.b.i+2)*n]
		wa, wb := float32(py.a.w), float32(py.b.w)
		for i := range n {
			va := a0[i] + (a1[i]-a0[i])*wa
			vb := b0[i] + (b1[i]-b0[i])*wb
			sa += va
			sb += vb
			saa += va * va
			sbb += vb * vb
			sab += va * vb
		}
	}
	return ncc(float64(sa), float64(sb), float64(saa), float64(sbb), float64(sab), float64(n*len(ys)))
}

// ncc is the normalised cross-correlation from the sums of n values.
func ncc(sa, sb, saa, sbb, sab, n float64) float64 {
	cov := sab - sa*sb/n
	va, vb := saa-sa*sa/n, sbb-sb*sb/n
	if va <= 0 || vb <= 0 {
		return 0
	}
	return cov / math.Sqrt(va*vb)
}

// detail is a thumbnail minus its blur (a 5x5 box, clamped at the edges):
// what is left are the edges and textures that tell scenes apart, without
// the smooth light and background that many photos share.
func detail(t []byte, side int) []float32 {
	const r = 2
	out := make([]float32, side*side)
	for y := range side {
		for x := range side {
			var s, n float32
			for yy := max(0, y-r); yy <= min(side-1, y+r); yy++ {
				for xx := max(0, x-r); xx <= min(side-1, x+r); xx++ {
					s += float32(t[yy*side+xx])
					n++
				}
			}
			out[y*side+x] = float32(t[y*side+x]) - s/n
		}
	}
	return out
}

// halve averages 2x2 cells.
func halve(t []float32, side int) []float32 {
	h := side / 2
	out := make([]float32, h*h)
	for y := range h {
		for x := range h {
			i := 2*y*side + 2*x
			out[y*h+x] = (t[i] + t[i+1] + t[i+side] + t[i+side+1]) / 4
		}
	}
	return out
}

// correlate is the normalised cross-correlation of a and b (side x side
// each) over side x side points of a's part that maps into b, a point u
// of a meeting (u-o)/s of b on each axis; -1 when the overlap is under
// half of a side.
func correlate(a, b []float32, side int, sx, ox, sy, oy float64) float64 {
	xs, okx := samples(side, sx, ox)
	ys, oky := samples(side, sy, oy)
	if !okx || !oky {
		return -1
	}
	return correlateAt(a, b, side, xs, ys)
}

// correlateAt is correlate at sampling positions already placed.
func correlateAt(a, b []float32, side int, xs, ys []sample) float64 {
	var sa, sb, saa, sbb, sab float64
	for _, py := range ys {
		for _, px := range xs {
			va := bilinear(a, side, px.a, py.a)
			vb := bilinear(b, side, px.b, py.b)
			sa += va
			sb += vb
			saa += va * va
			sbb += vb * vb
			sab += va * vb
		}
	}
	return ncc(sa, sb, saa, sbb, sab, float64(len(xs)*len(ys)))
}

// sample is one sampling position on an axis: its cell index and weight
// in a and in b, for linear interpolation.
type sample struct{ a, b lerp }

type lerp struct {
	i int
	w float64 // weight of cell i+1
}

// samples places side points evenly over the part of a's axis that maps
// into b (u in [o, o+s] ∩ [0, 1]).
func samples(side int, s, o float64) ([]sample, bool) {
	lo, hi := max(0, o), min(1, o+s)
	if hi-lo < 0.5 {
		return nil, false
	}
	out := make([]sample, side)
	for i := range out {
		u := lo + (hi-lo)*(float64(i)+0.5)/float64(side)
		out[i] = sample{cell(u, side), cell((u-o)/s, side)}
	}
	return out, true
}

// cell is where coordinate u (0..1) falls between cell centres.
func cell(u float64, side int) lerp {
	p := u*float64(side) - 0.5
	p = max(0, min(float64(side-1), p))
	i := min(int(p), side-2)
	return lerp{i, p - float64(i)}
}

func bilinear(t []float32, side int, x, y lerp) float64 {
	i := y.i*side + x.i
	top := float64(t[i])*(1-x.w) + float64(t[i+1])*x.w
	bottom := float64(t[i+side])*(1-x.w) + float64(t[i+side+1])*x.w
	return top*(1-y.w) + bottom*y.w
}

// ThumbMinSimilarity is the correlation from which two images the hashes
// accept are the same photo, midway between what was measured on
// generated photo-like images (TestImageThresholds -image-survey 400: 400
// photos at 480x360 and 640x480, 60 of them with the 8 edits of the hash
// thresholds' measurement): edited copies correlate at 0.854 or more,
// different photos at 0.584 or less (about 2,000 of the 79,800 pairs),
// and the two pairs of different photos within the hash thresholds at
// 0.269 and 0.499.
const ThumbMinSimilarity = 0.70

// Flat scenes: a thumbnail whose detail is hardly above the noise of its
// cell means (rounded to whole grey levels, so about 0.3 even for a
// noiseless image) says nothing about alignment: in a probe made before
// this rule (colour photos of a gradient, sensor noise and six discs of
// ±4 grey levels, not kept), copies correlated from 0.51 up and a third
// were missed; at ±16, 0.84 or more. TestFlatPhotos measures (and logs,
// -v) on such scenes in grey: detail RMS 0.45-0.49 with no discs,
// 0.53-0.82 at ±4, 0.71-1.41 at ±8, 1.14-2.68 at ±16, and 11.95 or more
// for photos of TestImageThresholds. So below FlatDetail the thumbnails
// are not compared, and the pair must be closer by its hashes instead:
// FlatMaxDistance bits together, which every copy of the ±4 and ±8
// scenes meets (10 at most; 13 in the colour probe) and no pair of 16
// different scenes at any contrast does (15 at the least, without discs;
// 22 at ±4). Featureless copies beyond it (a plain wall) are missed, which
// costs nothing: two such photos of different walls could not be told
// apart either.
const (
	FlatDetail      = 1.5
	FlatMaxDistance = 14
)

// DetailRMS is the root mean square of a thumbnail's detail (it minus
// its 5x5 blur), in grey levels: how much there is to correlate.
func DetailRMS(t []byte) float64 {
	if len(t) != ThumbSide*ThumbSide {
		return 0
	}
	var s float64
	for _, v := range detail(t, ThumbSide) {
		s += float64(v) * float64(v)
	}
	return math.Sqrt(s / float64(ThumbSide*ThumbSide))
}
