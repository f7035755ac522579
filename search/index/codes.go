package index

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// The runes around a tile are stored as small numbers, because a search
// decodes them for every tile of a candidate document and scorch writes
// each as a uvarint, 7 bits a byte: the fewer bits, the fewer bytes to
// read. Each rune gets a code (runeCode) that is small for the runes
// Chinese reports are made of, and the two runes on one side of a tile
// are interleaved bit by bit (pairCode), so that two small codes make a
// small number while any bit of either can still be masked (see tile.fits).
// Two ASCII runes take 2 bytes, two common Chinese characters 4; as plain
// code points shifted apart they took 4 and 6.

// gbRows are the GB2312 rows whose characters get the codes after ASCII:
// the symbols (rows 1-9: Chinese punctuation, full-width forms, kana,
// Greek, Cyrillic, box drawing) and the 6,763 hanzi (rows 16-87), the
// characters nearly all Chinese text consists of. They number 81×94 =
// 7,614, so with ASCII every such code is below 2^13.
var gbRows = [][2]byte{{0xa1, 0xa9}, {0xb0, 0xf7}}

// gbBase is where the codes of runes outside ASCII and GB2312 start: past
// every code of those, so that codes are one to one.
const gbBase = 1 << 13

// gbCodes maps each rune of the Basic Multilingual Plane to its code when
// it is a GB2312 character (the rune's place in GB2312 order, after the
// 128 ASCII codes), else to 0. GB2312 is a frozen standard, so the table
// and with it the index format do not depend on the library's version.
var gbCodes = sync.OnceValue(func() *[0x10000]uint16 {
	var table [0x10000]uint16
	dec := simplifiedchinese.GBK.NewDecoder()
	next := uint16(utf8.RuneSelf)
	for _, rows := range gbRows {
		for hi := rows[0]; hi <= rows[1]; hi++ {
			for lo := byte(0xa1); lo <= 0xfe; lo++ {
				code := next
				next++ // a place for every cell, assigned or not, so codes never shift
				b, err := dec.Bytes([]byte{hi, lo})
				if err != nil {
					continue
				}
				r, size := utf8.DecodeRune(b)
				if size != len(b) || r == utf8.RuneError || r < utf8.RuneSelf || r > 0xffff || table[r] != 0 {
					continue
				}
				table[r] = code
			}
		}
	}
	return &table
})

// runeCode is the code of r (0 for no rune: the text's edge): ASCII
// keeps its value, a GB2312 character its place in gbCodes, anything else
// gbBase + r. codes is gbCodes().
func runeCode(codes *[0x10000]uint16, r rune) uint64 {
	if r < utf8.RuneSelf {
		return uint64(r)
	}
	if r <= 0xffff {
		if c := codes[r]; c != 0 {
			return uint64(c)
		}
	}
	return gbBase + uint64(r)
}

// pairCode interleaves the codes of the rune next to a tile (near) and
// the one beyond it (far): bit i of near's code is bit 2i of the result,
// bit i of far's is bit 2i+1.
func pairCode(near, far uint64) uint64 { return spread(near) | spread(far)<<1 }

// nearMask and farMask select near's and far's bits of a pairCode.
const (
	nearMask = 0x5555555555555555
	farMask  = nearMask << 1
)

// spread moves bit i of x (below 2^32) to bit 2i.
func spread(x uint64) uint64 {
	x = (x | x<<16) & 0x0000ffff0000ffff
	x = (x | x<<8) & 0x00ff00ff00ff00ff
	x = (x | x<<4) & 0x0f0f0f0f0f0f0f0f
	x = (x | x<<2) & 0x3333333333333333
	x = (x | x<<1) & 0x5555555555555555
	return x
}

// tileWords: how gramField writes one tile into the array positions of
// its term's location. Nearly every tile is one number (packed): 1, the
// gap from the term's previous tile (at most maxPackedGap) shifted left by
// one, and from bit packedShift the quadCode of the four runes around it,
// 64 bits in all. That needs every one of the four codes below
// packedCodes (ASCII, GB2312 or no rune). Any other tile is three numbers: the gap shifted left by
// one (so bit 0 is 0), and the pairCode of the runes before it and of
// those after it. One number instead of three is what a search saves
// most on: scorch decodes every array position through a call of its own.
const (
	maxPackedGap = 1<<11 - 1
	packedShift  = 12
	packedCodes  = gbBase // 13 bits a code, 52 for four
)

// quadCode interleaves four codes below packedCodes: the rune before a
// tile (role 0), the one before that (1), the rune after it (2) and the
// one after that (3); bit i of role k's code is bit 4i+k.
func quadCode(before, beforeFar, after, afterFar uint64) uint64 {
	return spread4(before) | spread4(beforeFar)<<1 | spread4(after)<<2 | spread4(afterFar)<<3
}

// spread4 moves bit i of x (below packedCodes) to bit 4i.
func spread4(x uint64) uint64 { return nibbleSpread[x&0xff] | nibbleSpread[x>>8&0xff]<<32 }

// nibbleSpread[b] has bit i of b at bit 4i.
var nibbleSpread = func() (t [256]uint64) {
	for b := range t {
		for i := range 8 {
			t[b] |= uint64(b>>i&1) << (4 * i)
		}
	}
	return t
}()
