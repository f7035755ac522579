package detect

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"runtime"
	"testing"
	"time"
)

// TestHashImageHugeDeclared: a valid PNG whose header (CRC and all)
// declares 100,000 x 100,000 pixels is refused from its header, at once
// and without allocating for its pixels.
func TestHashImageHugeDeclared(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 64, 64))); err != nil {
		t.Fatal(err)
	}
	p := b.Bytes()
	binary.BigEndian.PutUint32(p[16:], 100_000)
	binary.BigEndian.PutUint32(p[20:], 100_000)
	binary.BigEndian.PutUint32(p[29:], crc32.ChecksumIEEE(p[12:29]))
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(p)); err != nil || cfg.Width != 100_000 {
		t.Fatalf("the test image does not declare its size: %+v %v", cfg, err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	if _, ok := HashImage(p); ok {
		t.Error("a 100,000 x 100,000 image was hashed")
	}
	runtime.ReadMemStats(&after)
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
		t.Errorf("allocated %d KiB", a>>10)
	}
}
