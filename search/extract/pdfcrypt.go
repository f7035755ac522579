package extract

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
)

// pdfCrypt decrypts the streams of a file encrypted with the Standard
// security handler and an empty user password: the usual case of PDFs that
// forbid printing or copying but open without a password. Files that need
// a password to open are unsupported.
type pdfCrypt struct {
	key    []byte
	method string // "RC4", "AESV2", "AESV3" or "None"
}

var errPassword = unsupported("the PDF is protected by a password")

var passwordPad = []byte("\x28\xbf\x4e\x5e\x4e\x75\x8a\x41\x64\x00\x4e\x56\xff\xfa\x01\x08\x2e\x2e\x00\xb6\xd0\x68\x3e\x80\x2f\x0c\xa9\xfe\x64\x53\x69\x7a")

func (d *pdfDoc) newCrypt(v any) (*pdfCrypt, error) {
	enc := d.dict(v)
	if d.name(enc["Filter"]) != "Standard" {
		return nil, unsupported("the PDF is encrypted with an unsupported security handler")
	}
	ver, _ := d.number(enc["V"])
	rev, _ := d.number(enc["R"])
	str := func(k pdfName) []byte {
		s, _ := d.resolve(enc[k])
		b, _ := s.(pdfString)
		return []byte(b)
	}
	o, u := str("O"), str("U")
	c := &pdfCrypt{method: "RC4"}
	if ver == 4 || ver == 5 {
		c.method = "None"
		if cf := d.dict(d.dict(enc["CF"])[d.name(enc["StmF"])]); cf != nil {
			switch d.name(cf["CFM"]) {
			case "V2":
				c.method = "RC4"
			case "AESV2":
				c.method = "AESV2"
			case "AESV3":
				c.method = "AESV3"
			}
		}
	}
	if rev >= 5 {
		if len(u) < 48 {
			return nil, errMalformed("bad encryption dictionary")
		}
		ue := str("UE")
		var check, inter []byte
		if rev == 5 {
			check = sha(sha256.New(), u[32:40])
			inter = sha(sha256.New(), u[40:48])
		} else {
			check = hash2B(nil, u[32:40], nil)
			inter = hash2B(nil, u[40:48], nil)
		}
		if !bytes.Equal(check, u[:32]) || len(ue) != 32 {
			return nil, errPassword
		}
		block, _ := aes.NewCipher(inter)
		key := make([]byte, 32)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(key, ue)
		c.key = key
		return c, nil
	}

	// Revisions 2 to 4: MD5 and RC4 (ISO 32000-1, 7.6.3.3, algorithms 2 and 4/5).
	length := 40.0
	if n, ok := d.number(enc["Length"]); ok && rev >= 3 {
		length = n
	}
	n := int(length) / 8
	if n < 5 || n > 16 || len(o) < 32 || len(u) < 32 {
		return nil, errMalformed("bad encryption dictionary")
	}
	p, _ := d.number(enc["P"])
	var id []byte
	if ids := d.array(d.trailer["ID"]); len(ids) > 0 {
		s, _ := d.resolve(ids[0])
		b, _ := s.(pdfString)
		id = []byte(b)
	}
	h := md5.New()
	h.Write(passwordPad)
	h.Write(o[:32])
	binary.Write(h, binary.LittleEndian, uint32(int32(p)))
	h.Write(id)
	if meta, ok := enc["EncryptMetadata"].(bool); ok && !meta && rev >= 4 {
		h.Write([]byte{0xff, 0xff, 0xff, 0xff})
	}
	key := h.Sum(nil)
	if rev >= 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(key[:n])
			key = s[:]
		}
	}
	key = key[:n]
	// Check the empty password against U.
	var want []byte
	if rev == 2 {
		want = rc4XOR(key, passwordPad)
	} else {
		h := md5.New()
		h.Write(passwordPad)
		h.Write(id)
		want = rc4XOR(key, h.Sum(nil))
		for i := byte(1); i <= 19; i++ {
			k := make([]byte, len(key))
			for j := range key {
				k[j] = key[j] ^ i
			}
			want = rc4XOR(k, want)
		}
		u = u[:16]
	}
	if !bytes.Equal(want[:len(u)], u) {
		return nil, errPassword
	}
	c.key = key
	return c, nil
}

func sha(h hash.Hash, parts ...[]byte) []byte {
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

// hash2B is algorithm 2.B of ISO 32000-2 (revision 6).
func hash2B(password, salt, udata []byte) []byte {
	k := sha(sha256.New(), password, salt, udata)
	for i := 0; ; i++ {
		var k1 []byte
		for r := 0; r < 64; r++ {
			k1 = append(k1, password...)
			k1 = append(k1, k...)
			k1 = append(k1, udata...)
		}
		block, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(block, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, b := range e[:16] {
			sum += int(b)
		}
		switch sum % 3 {
		case 0:
			k = sha(sha256.New(), e)
		case 1:
			k = sha(sha512.New384(), e)
		case 2:
			k = sha(sha512.New(), e)
		}
		if i >= 63 && int(e[len(e)-1]) <= i-31 {
			return k[:32]
		}
	}
}

func rc4XOR(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

func (c *pdfCrypt) decryptStream(ref pdfRef, data []byte) ([]byte, error) {
	if c.method == "None" {
		return data, nil
	}
	key := c.key
	if c.method != "AESV3" {
		h := md5.New()
		h.Write(c.key)
		h.Write([]byte{byte(ref.num), byte(ref.num >> 8), byte(ref.num >> 16), byte(ref.gen), byte(ref.gen >> 8)})
		if c.method == "AESV2" {
			h.Write([]byte("sAlT"))
		}
		key = h.Sum(nil)[:min(len(c.key)+5, 16)]
	}
	if c.method == "RC4" {
		return rc4XOR(key, data), nil
	}
	if len(data) < 16 || len(data)%16 != 0 {
		return nil, errMalformed("bad encrypted stream")
	}
	if len(data) == 16 {
		return nil, nil // the IV of an empty stream
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errMalformed("bad encryption key")
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(block, data[:16]).CryptBlocks(out, data[16:])
	if pad := int(out[len(out)-1]); pad >= 1 && pad <= 16 {
		out = out[:len(out)-pad]
	}
	return out, nil
}
