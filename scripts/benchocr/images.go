package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// layout writes each page as a text file and has LibreOffice lay them all
// out to PDF in one run (A4, its default fonts: Noto Sans CJK for the
// Han characters). A page that LibreOffice spills onto a second one is an
// error: the ground truth is one text per page.
func layout(ctx context.Context, dir string, pages [][]string) ([]string, error) {
	soffice := ""
	for _, n := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(n); err == nil {
			soffice = p
			break
		}
	}
	if soffice == "" {
		return nil, fmt.Errorf("LibreOffice (soffice) is not installed")
	}
	args := []string{"-env:UserInstallation=file://" + filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf", "--outdir", dir}
	var pdfs []string
	for i, p := range pages {
		name := filepath.Join(dir, fmt.Sprintf("page%03d", i+1))
		if err := os.WriteFile(name+".txt", []byte(strings.Join(p, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
		args = append(args, name+".txt")
		pdfs = append(pdfs, name+".pdf")
	}
	cmd := exec.CommandContext(ctx, soffice, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("soffice: %v: %s", err, out)
	}
	for _, p := range pdfs {
		out, err := exec.CommandContext(ctx, "pdfinfo", p).Output()
		if err != nil {
			return nil, fmt.Errorf("pdfinfo %s: %v", p, err)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if rest, ok := strings.CutPrefix(l, "Pages:"); ok && strings.TrimSpace(rest) != "1" {
				return nil, fmt.Errorf("%s: %s pages, want 1 (lower -chars)", p, strings.TrimSpace(rest))
			}
		}
	}
	return pdfs, nil
}

// degradation is what was done to one page image.
type degradation struct {
	angle   float64 // degrees, counter-clockwise; 0 for upright
	quality int     // JPEG quality
	noise   float64 // standard deviation of the grey noise, 0-255
}

// scan rasterises a PDF page at dpi (pdftoppm, grey) and degrades it as a
// scanner or a phone would: every third page turned by 1-3 degrees either
// way, Gaussian noise, JPEG compression at quality 55-85. The RNG is
// seeded per page so that both resolutions get the same treatment.
func scan(ctx context.Context, pdf string, dpi int, seed uint64, out string) (degradation, error) {
	prefix := strings.TrimSuffix(out, filepath.Ext(out)) + "-raw"
	cmd := exec.CommandContext(ctx, "pdftoppm", "-r", strconv.Itoa(dpi), "-gray", "-png", "-singlefile", pdf, prefix)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return degradation{}, fmt.Errorf("pdftoppm: %v: %s", err, msg)
	}
	defer os.Remove(prefix + ".png")
	b, err := os.ReadFile(prefix + ".png")
	if err != nil {
		return degradation{}, err
	}
	src, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return degradation{}, err
	}
	rng := rand.New(rand.NewPCG(seed, 23))
	d := degradation{quality: 55 + rng.IntN(31), noise: 6 + 10*rng.Float64()}
	if rng.IntN(3) == 0 {
		d.angle = 1 + 2*rng.Float64()
		if rng.IntN(2) == 0 {
			d.angle = -d.angle
		}
	}
	img := rotate(src, d.angle)
	for i := range img.Pix {
		v := float64(img.Pix[i]) + rng.NormFloat64()*d.noise
		img.Pix[i] = uint8(max(0, min(255, math.Round(v))))
	}
	f, err := os.Create(out)
	if err != nil {
		return d, err
	}
	if err := jpeg.Encode(f, img, &jpeg.Options{Quality: d.quality}); err != nil {
		f.Close()
		return d, err
	}
	return d, f.Close()
}

// rotate turns src by deg degrees about its centre (bilinear, white
// outside), into a grey image of the same size.
func rotate(src image.Image, deg float64) *image.Gray {
	bnd := src.Bounds()
	w, h := bnd.Dx(), bnd.Dy()
	grey := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			grey.Pix[y*grey.Stride+x] = color.GrayModel.Convert(src.At(bnd.Min.X+x, bnd.Min.Y+y)).(color.Gray).Y
		}
	}
	if deg == 0 {
		return grey
	}
	out := image.NewGray(grey.Rect)
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 255
		}
		return float64(grey.Pix[y*grey.Stride+x])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			dx, dy := float64(x)-cx, float64(y)-cy
			sx, sy := cos*dx-sin*dy+cx, sin*dx+cos*dy+cy
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) + at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
			out.Pix[y*out.Stride+x] = uint8(math.Round(v))
		}
	}
	return out
}
