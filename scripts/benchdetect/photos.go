package main

import (
	"archive/zip"
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"

	"github.com/nfnt/resize"
)

// Photos: each enterprise has its own photos of its equipment (drawn
// scenes: a gradient, rectangles and discs, sensor noise), and chosen
// pairs reuse one: the second enterprise's copy is resized, recompressed,
// cropped by up to 10%, brightened or darkened, or all at once, and
// sometimes embedded in a .docx instead of uploaded as a .jpg.

type photoCopy struct {
	a, k, b int    // enterprise a's photo k, reused by enterprise b
	edit    string // how the copy differs
	docx    bool
}

func planPhotos(seed uint64, n, perEnt, pairs int) []photoCopy {
	rng := rand.New(rand.NewPCG(seed, 2))
	edits := []string{"resized", "recompressed", "cropped", "brightened", "darkened", "all at once"}
	var out []photoCopy
	for i := range pairs {
		a, b := rng.IntN(n), rng.IntN(n-1)
		if b >= a {
			b++
		}
		out = append(out, photoCopy{a: a, k: rng.IntN(perEnt), b: b, edit: edits[i%len(edits)], docx: rng.IntN(4) == 0})
	}
	return out
}

// scene draws enterprise e's photo k.
func scene(seed uint64, e, k int) image.Image {
	r := rand.New(rand.NewPCG(seed, uint64(e)<<8|uint64(k)+7))
	w, h := 640, 480
	if r.IntN(2) == 0 {
		w, h = 480, 360
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	c0 := [3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
	c1 := [3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
	angle := r.Float64() * math.Pi
	cos, sin := math.Cos(angle), math.Sin(angle)
	for y := range h {
		for x := range w {
			t := math.Mod(math.Abs((float64(x)*cos+float64(y)*sin)/float64(w+h)), 1)
			i := img.PixOffset(x, y)
			img.Pix[i] = uint8(c0[0]*(1-t) + c1[0]*t)
			img.Pix[i+1] = uint8(c0[1]*(1-t) + c1[1]*t)
			img.Pix[i+2] = uint8(c0[2]*(1-t) + c1[2]*t)
			img.Pix[i+3] = 255
		}
	}
	for i := range 12 {
		col := color.RGBA{uint8(r.IntN(256)), uint8(r.IntN(256)), uint8(r.IntN(256)), 255}
		x, y := r.IntN(w), r.IntN(h)
		sw, sh := w/12+r.IntN(w/4), h/12+r.IntN(h/4)
		if i%2 == 0 {
			draw.Draw(img, image.Rect(x, y, x+sw, y+sh), &image.Uniform{col}, image.Point{}, draw.Src)
			continue
		}
		rad := sw / 2
		for yy := max(0, y-rad); yy <= min(h-1, y+rad); yy++ {
			for xx := max(0, x-rad); xx <= min(w-1, x+rad); xx++ {
				if (xx-x)*(xx-x)+(yy-y)*(yy-y) <= rad*rad {
					img.SetRGBA(xx, yy, col)
				}
			}
		}
	}
	for i := range img.Pix {
		if i%4 != 3 {
			img.Pix[i] = uint8(max(0, min(255, int(img.Pix[i])+r.IntN(21)-10)))
		}
	}
	return img
}

func encodeJPEG(img image.Image, quality int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		panic(err) // encoding to memory does not fail
	}
	return buf.Bytes()
}

// edited is the reused copy of a photo.
func edited(seed uint64, c photoCopy, src image.Image) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(c.a)<<20|uint64(c.b)<<4|uint64(c.k)))
	b := src.Bounds()
	switch c.edit {
	case "resized":
		return encodeJPEG(resize.Resize(uint(float64(b.Dx())*(0.5+0.3*r.Float64())), 0, src, resize.Bilinear), 80)
	case "recompressed":
		return encodeJPEG(src, 40+r.IntN(21))
	case "cropped":
		return encodeJPEG(crop(src, 0.05+0.05*r.Float64()), 85)
	case "brightened":
		return encodeJPEG(brighten(src, 20+r.IntN(11)), 85)
	case "darkened":
		return encodeJPEG(brighten(src, -20-r.IntN(6)), 85)
	}
	small := resize.Resize(uint(float64(b.Dx())*0.7), 0, src, resize.Bilinear)
	return encodeJPEG(brighten(crop(small, 0.06), 20), 55)
}

// crop cuts frac of each side's length off, unevenly (2/3 left and top).
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

// docxWith is a minimal .docx holding one image.
func docxWith(img []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range []struct {
		name string
		body []byte
	}{
		{"[Content_Types].xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="jpeg" ContentType="image/jpeg"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`)},
		{"word/document.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>设备照片</w:t></w:r></w:p></w:body></w:document>`)},
		{"word/media/image1.jpeg", img},
	} {
		w, err := zw.Create(f.name)
		if err != nil {
			panic(err)
		}
		w.Write(f.body)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}
