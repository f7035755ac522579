package extract

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"encoding/ascii85"
	"errors"
	"io"
)

// errStreamBomb ends a PDF whose streams decompress beyond
// Limits.MaxUnzipped.
var errStreamBomb = failed("PDF streams expand beyond the limit")

// errStreamTooLarge ends a PDF with a stream that decodes to more than
// Limits.MaxStream: its bytes would all be held in memory at once, and
// no real page needs that many (a compression bomb does).
var errStreamTooLarge = failed("a PDF stream expands beyond the size one stream may have")

// errImage is returned for streams only a renderer could use (JPEG, JPEG
// 2000, fax and JBIG2 images): they hold no text.
var errImage = errors.New("pdf: an image stream")

// decode returns the decoded data of s: decrypted, then passed through its
// filters, every decompressed byte charged to the job.
func (d *pdfDoc) decode(s *pdfStream) ([]byte, error) {
	data, err := d.streamData(s)
	if err != nil {
		return nil, err
	}
	if d.crypt != nil && s.dict["Type"] != pdfName("XRef") {
		if data, err = d.crypt.decryptStream(s.ref, data); err != nil {
			return nil, err
		}
	}
	filter, _ := d.resolve(s.dict["Filter"])
	params, _ := d.resolve(s.dict["DecodeParms"])
	if params == nil {
		params, _ = d.resolve(s.dict["DP"])
	}
	var names []pdfName
	var parms []pdfDict
	switch f := filter.(type) {
	case pdfName:
		names = []pdfName{f}
		parms = []pdfDict{d.dict(params)}
	case pdfArray:
		pa, _ := params.(pdfArray)
		for i, v := range f {
			names = append(names, d.name(v))
			var p pdfDict
			if i < len(pa) {
				p = d.dict(pa[i])
			}
			parms = append(parms, p)
		}
	}
	for i, name := range names {
		if data, err = d.filter(name, parms[i], data); err != nil {
			return nil, err
		}
	}
	return data, nil
}

func (d *pdfDoc) filter(name pdfName, p pdfDict, data []byte) ([]byte, error) {
	// What one stream may hold: the bytes the job may still decompress,
	// and no more than MaxStream, which bounds the memory a stream takes
	// (a budget of 1 GiB is a bound on work, not on what to keep).
	budget := d.j.lim.MaxUnzipped - d.j.unzipped
	limit := min(budget, d.j.lim.MaxStream)
	charged := false // inflate charges the job as bytes come out
	var out []byte
	var err error
	switch name {
	case "FlateDecode", "Fl":
		out, err = inflate(d.j, data, d.j.lim.MaxStream)
		charged = true
	case "LZWDecode", "LZW":
		early := int64(1)
		if v, ok := p["EarlyChange"].(int64); ok {
			early = v
		}
		out, err = unLZW(data, int(early), limit)
	case "ASCIIHexDecode", "AHx":
		l := lexer{b: append(bytes.TrimLeft(data, " \t\r\n\f\x00<"), '>')}
		s, _ := l.hex()
		str, _ := s.(pdfString)
		out = []byte(str)
	case "ASCII85Decode", "A85":
		out, err = unASCII85(data)
	case "RunLengthDecode", "RL":
		out, err = unRunLength(data, limit)
	case "Crypt":
		return data, nil // the Identity crypt filter: not encrypted
	case "DCTDecode", "DCT", "JPXDecode", "CCITTFaxDecode", "CCF", "JBIG2Decode":
		return nil, errImage
	default:
		return nil, errMalformed("unknown stream filter %s", name)
	}
	if errors.Is(err, errBomb) {
		if limit < budget {
			return nil, errStreamTooLarge
		}
		return nil, errStreamBomb
	}
	if err != nil {
		return nil, err
	}
	if !charged {
		if err := d.j.inflated(int64(len(out))); err != nil {
			return nil, errStreamBomb
		}
	}
	if pred, _ := p["Predictor"].(int64); pred > 1 && (name == "FlateDecode" || name == "Fl" || name == "LZWDecode" || name == "LZW") {
		return unpredict(out, p, pred)
	}
	return out, nil
}

// inflate decompresses zlib data, or raw deflate data when the zlib header
// is missing, keeping at most hold bytes. Every byte is charged to the job
// as it comes out, so the job's budget stops a bomb where it is spent;
// the output is read in pieces and joined at the end, so a stream cut
// short by hold allocates about hold, and none is copied as it grows.
// Data cut short or with a bad checksum keeps what was decompressed, as
// PDF readers do. It returns errStreamTooLarge past hold, errStreamBomb
// past the budget.
func inflate(j *job, data []byte, hold int64) ([]byte, error) {
	var rd io.Reader
	if zr, err := zlib.NewReader(bytes.NewReader(data)); err == nil {
		rd = zr
	} else {
		rd = flate.NewReader(bytes.NewReader(data))
	}
	const pieceSize = 1 << 20
	// The first piece is a guess (text streams compress about fourfold),
	// the others are of pieceSize.
	piece := make([]byte, 0, min(pieceSize, max(4<<10, 4*len(data))))
	var pieces [][]byte
	var total int64
	for {
		if err := j.tick(); err != nil {
			return nil, err
		}
		if len(piece) == cap(piece) {
			pieces = append(pieces, piece)
			piece = make([]byte, 0, pieceSize)
		}
		n, err := rd.Read(piece[len(piece):cap(piece)])
		piece = piece[:len(piece)+n]
		total += int64(n)
		if j.inflated(int64(n)) != nil {
			return nil, errStreamBomb
		}
		if total > hold {
			return nil, errStreamTooLarge
		}
		if err != nil {
			if err != io.EOF {
				if ctxErr := j.ctx.Err(); ctxErr != nil {
					return nil, ctxErr
				}
				if total == 0 {
					return nil, errMalformed("damaged compressed stream: %v", err)
				}
			}
			break
		}
	}
	if len(pieces) == 0 {
		return piece, nil
	}
	out := make([]byte, 0, total)
	for _, p := range pieces {
		out = append(out, p...)
	}
	return append(out, piece...), nil
}

// unLZW decodes the LZW of PDF (and TIFF): codes of 9 to 12 bits, most
// significant bit first, 256 to clear the table, 257 to end.
func unLZW(data []byte, early int, limit int64) ([]byte, error) {
	var (
		out   []byte
		table [][]byte
		prev  []byte
		width = 9
		acc   uint32
		nbits int
	)
	reset := func() {
		table = table[:0]
		for i := 0; i < 256; i++ {
			table = append(table, []byte{byte(i)})
		}
		table = append(table, nil, nil)
		width, prev = 9, nil
	}
	reset()
	for _, c := range data {
		acc = acc<<8 | uint32(c)
		nbits += 8
		for nbits >= width {
			code := int(acc>>(nbits-width)) & (1<<width - 1)
			nbits -= width
			switch {
			case code == 256:
				reset()
				continue
			case code == 257:
				return out, nil
			}
			var entry []byte
			switch {
			case code < len(table) && table[code] != nil:
				entry = table[code]
			case code == len(table) && prev != nil:
				entry = append(append([]byte(nil), prev...), prev[0])
			default:
				return out, nil // a code out of sequence: keep what we have
			}
			out = append(out, entry...)
			if int64(len(out)) > limit {
				return nil, errBomb
			}
			if prev != nil && len(table) < 4096 {
				table = append(table, append(append([]byte(nil), prev...), entry[0]))
			}
			prev = entry
			if len(table)+early >= 1<<width && width < 12 {
				width++
			}
		}
	}
	return out, nil
}

func unASCII85(data []byte) ([]byte, error) {
	data = bytes.TrimSpace(data)
	data = bytes.TrimPrefix(data, []byte("<~"))
	if i := bytes.Index(data, []byte("~>")); i >= 0 {
		data = data[:i]
	}
	out := make([]byte, len(data)*4/5+8)
	n, _, err := ascii85.Decode(out, data, true)
	if err != nil {
		return nil, errMalformed("damaged ASCII85 stream: %v", err)
	}
	return out[:n], nil
}

func unRunLength(data []byte, limit int64) ([]byte, error) {
	var out []byte
	for i := 0; i < len(data); {
		n := int(data[i])
		i++
		switch {
		case n < 128:
			end := min(i+n+1, len(data))
			out = append(out, data[i:end]...)
			i = end
		case n > 128 && i < len(data):
			for k := 0; k < 257-n; k++ {
				out = append(out, data[i])
			}
			i++
		default:
			return out, nil
		}
		if int64(len(out)) > limit {
			return nil, errBomb
		}
	}
	return out, nil
}

// unpredict undoes the PNG (10 and up) and TIFF (2) predictors.
func unpredict(data []byte, p pdfDict, pred int64) ([]byte, error) {
	get := func(k pdfName, def int64) int {
		if v, ok := p[k].(int64); ok && v > 0 && v < 1<<16 {
			return int(v)
		}
		return int(def)
	}
	colors, bpc, columns := get("Colors", 1), get("BitsPerComponent", 8), get("Columns", 1)
	if colors > 32 || bpc > 16 {
		return nil, errMalformed("bad predictor parameters")
	}
	bpp := max(1, colors*bpc/8)
	rowLen := (colors*bpc*columns + 7) / 8
	if rowLen > len(data) {
		rowLen = max(1, len(data)-1) // a row longer than the data: one short row
	}
	if pred == 2 {
		if bpc != 8 {
			return data, nil
		}
		for r := 0; r+rowLen <= len(data); r += rowLen {
			row := data[r : r+rowLen]
			for i := bpp; i < len(row); i++ {
				row[i] += row[i-bpp]
			}
		}
		return data, nil
	}
	out := make([]byte, 0, len(data))
	prior := make([]byte, rowLen)
	for r := 0; r < len(data); r += rowLen + 1 {
		typ := data[r]
		end := min(r+1+rowLen, len(data))
		row := make([]byte, rowLen)
		copy(row, data[r+1:end])
		for i := range row {
			var left, upLeft byte
			if i >= bpp {
				left, upLeft = row[i-bpp], prior[i-bpp]
			}
			up := prior[i]
			switch typ {
			case 1:
				row[i] += left
			case 2:
				row[i] += up
			case 3:
				row[i] += byte((int(left) + int(up)) / 2)
			case 4:
				row[i] += paeth(left, up, upLeft)
			}
		}
		out = append(out, row[:end-r-1]...)
		prior = row
	}
	return out, nil
}

func paeth(a, b, c byte) byte {
	p := int(a) + int(b) - int(c)
	pa, pb, pc := abs(p-int(a)), abs(p-int(b)), abs(p-int(c))
	switch {
	case pa <= pb && pa <= pc:
		return a
	case pb <= pc:
		return b
	}
	return c
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
