package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// The banded index of image hashes (migration 013; its covering index
// 016, the hashes on its rows 018). Finding the stored
// images within search/detect's thresholds (pHash and dHash each within
// 20 bits, together within 30, in the closest pairing of whole images and
// centres) by scanning every stored hash costs a read of the whole table
// per analysed document: quadratic over a tenant's life.
//
// Each 64-bit hash is cut into four 16-bit bands, stored as rows of
// image_bands under an indexed key. By the pigeonhole principle, two hashes
// within 4r+3 bits agree within r bits on at least one band; a lookup
// probes each of the new image's bands and every value within
// imageBandRadius bits of it (17 keys a band for radius 1), so any stored
// image whose pHash or dHash is within 7 bits of the new one's, in any
// pairing, is certainly a candidate. The thresholds allow more (20 bits);
// no banding that small guarantees that (it would need 21 bands of 3 bits,
// which would match nearly every image), so the rest is measured: on
// search/detect's test photos and their edits (resized, recompressed,
// cropped 8-10%, brightened, all at once) 99% of copies share a band
// exactly and all of them within 1 bit, while 4% of pairs of different
// photos do (they are then compared exactly and dropped). scripts/bench-detect
// prints the recall this lookup reaches against an exact scan.
//
// Keys: kind << 20 | band << 16 | value, kind 0 for pHash and 1 for dHash.
// The whole image and its centre share keys, so a cropped copy (whose whole
// looks like the original's centre) meets the original.
const imageBandRadius = 1

// imageBandKeys are the keys an image is stored under.
func imageBandKeys(h cpaudit.ImageHash) []int64 {
	hashes := [][2]uint64{{0, h.PHash}, {1, h.DHash}}
	if h.CPHash != 0 || h.CDHash != 0 {
		hashes = append(hashes, [2]uint64{0, h.CPHash}, [2]uint64{1, h.CDHash})
	}
	seen := map[int64]bool{}
	var out []int64
	for _, x := range hashes {
		for band := range uint64(4) {
			k := int64(x[0]<<20 | band<<16 | (x[1]>>(16*band))&0xffff)
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// imageBandProbes are the keys looked up for an image: each of its keys
// and those within imageBandRadius (1) bit of it.
func imageBandProbes(h cpaudit.ImageHash) []any {
	seen := map[int64]bool{}
	var out []any
	add := func(k int64) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, k := range imageBandKeys(h) {
		add(k)
		for bit := range 16 {
			add(k ^ 1<<bit)
		}
	}
	return out
}

// insertImageBands stores the band keys of a document's images.
func insertImageBands(ctx context.Context, tx *sql.Tx, src cpaudit.AnalysisSource, hashes []cpaudit.ImageHash) error {
	var args []any
	rows := 0
	flush := func() error {
		if rows == 0 {
			return nil
		}
		q := `INSERT INTO image_bands (key, document_id, entry, enterprise_id, phash, dhash, cphash, cdhash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)` + strings.Repeat(`, (?, ?, ?, ?, ?, ?, ?, ?)`, rows-1)
		_, err := tx.ExecContext(ctx, q, args...)
		args, rows = args[:0], 0
		return err
	}
	for _, h := range hashes {
		for _, k := range imageBandKeys(h) {
			args = append(args, k, src.DocumentID, h.Entry, src.EnterpriseID, int64(h.PHash), int64(h.DHash), int64(h.CPHash), int64(h.CDHash))
			if rows++; rows == 100 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// imageCandidates returns the stored images of other enterprises' live
// documents that share a band (within the radius) with one of hashes and
// are near (when near is not nil) to one of them, or that share the EXIF
// capture time and camera serial with one of them, each once, by
// document.
//
// The images are found first (candidateImages), then each is read once
// (readImages). One query joining the band keys to the hashes' rows read
// an image, thumbnail included, for every key it matched and sorted them
// all to drop repeats: a cost per report that grew faster than the tenant.
// Reading every image that shares a band did too: a few per cent of
// different photos do (see above), so their number per report grows with
// the tenant; near drops them from the hashes the band rows carry.
func imageCandidates(ctx context.Context, tx *sql.Tx, src cpaudit.AnalysisSource, hashes []cpaudit.ImageHash, near func(mine, theirs cpaudit.ImageHash) bool) ([]cpaudit.ImageCandidate, error) {
	found, err := candidateImages(ctx, tx, src, hashes, near)
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return readImages(ctx, tx, found)
}

// bandLookup selects the images, with their hashes, of other
// enterprises' documents stored under any of n band keys; it reads the
// covering index image_bands_probe alone (TestImageBandLookupCovered). Its
// arguments: the n keys, the enterprise and the document looking.
func bandLookup(n int) string {
	return `SELECT DISTINCT document_id, entry, phash, dhash, cphash, cdhash FROM image_bands
		WHERE key IN (?` + strings.Repeat(`, ?`, n-1) + `)
			AND enterprise_id NOT IN ('', ?) AND document_id <> ?`
}

// candidateImages returns the (document, entry) of the images that share
// a band with one of hashes and are near one of them, or share the EXIF
// key with one, each once, in the order found. An image is checked
// against all of hashes, not only the one whose band found it, so that
// near drops exactly the images the caller would find near none of them.
func candidateImages(ctx context.Context, tx *sql.Tx, src cpaudit.AnalysisSource, hashes []cpaudit.ImageHash, near func(mine, theirs cpaudit.ImageHash) bool) ([][2]string, error) {
	seen := map[[2]string]bool{} // kept
	far := map[[2]string]bool{}  // dropped by near
	var found [][2]string
	keep := func(im [2]string) {
		if !seen[im] {
			seen[im] = true
			found = append(found, im)
		}
	}
	byBand := func(im [2]string, theirs cpaudit.ImageHash) {
		if seen[im] || far[im] {
			return
		}
		if near == nil || slices.ContainsFunc(hashes, func(mine cpaudit.ImageHash) bool { return near(mine, theirs) }) {
			keep(im)
		} else {
			far[im] = true
		}
	}
	for _, h := range hashes {
		probes := imageBandProbes(h)
		err := scanRows(ctx, tx, bandLookup(len(probes)), append(probes, src.EnterpriseID, src.DocumentID), func(rows *sql.Rows) error {
			var im [2]string
			var p, d, cp, cd int64
			if err := rows.Scan(&im[0], &im[1], &p, &d, &cp, &cd); err != nil {
				return err
			}
			byBand(im, cpaudit.ImageHash{PHash: uint64(p), DHash: uint64(d), CPHash: uint64(cp), CDHash: uint64(cd)})
			return nil
		})
		if err != nil {
			return nil, err
		}
		if h.EXIF == "" {
			continue
		}
		err = scanRows(ctx, tx, `SELECT document_id, entry FROM image_hashes
			WHERE exif = ? AND enterprise_id NOT IN ('', ?) AND document_id <> ?`,
			[]any{h.EXIF, src.EnterpriseID, src.DocumentID}, func(rows *sql.Rows) error {
				var im [2]string
				if err := rows.Scan(&im[0], &im[1]); err != nil {
					return err
				}
				keep(im)
				return nil
			})
		if err != nil {
			return nil, err
		}
	}
	return found, nil
}

// readImages reads the hashes, size, EXIF key and thumbnail of each of
// images (document, entry) whose document is live, in their order.
func readImages(ctx context.Context, tx *sql.Tx, images [][2]string) ([]cpaudit.ImageCandidate, error) {
	list, err := json.Marshal(images)
	if err != nil {
		return nil, err
	}
	// CROSS JOIN keeps json_each the outer loop: the images come out in
	// the order given.
	var out []cpaudit.ImageCandidate
	err = scanRows(ctx, tx, `SELECT i.document_id, i.entry, i.phash, i.dhash, i.cphash, i.cdhash, i.width, i.height, i.exif, i.thumb
		FROM json_each(?) c
		CROSS JOIN image_hashes i ON i.document_id = c.value ->> 0 AND i.entry = c.value ->> 1
		JOIN documents d ON d.id = i.document_id AND d.deleted_at IS NULL`, []any{string(list)}, func(rows *sql.Rows) error {
		var c cpaudit.ImageCandidate
		var p, d, cp, cd int64
		if err := rows.Scan(&c.DocumentID, &c.Theirs.Entry, &p, &d, &cp, &cd, &c.Theirs.Width, &c.Theirs.Height, &c.Theirs.EXIF, &c.Theirs.Thumb); err != nil {
			return err
		}
		c.Theirs.PHash, c.Theirs.DHash, c.Theirs.CPHash, c.Theirs.CDHash = uint64(p), uint64(d), uint64(cp), uint64(cd)
		if len(c.Theirs.Thumb) == 0 {
			c.Theirs.Thumb = nil // stored before thumbnails were kept
		}
		out = append(out, c)
		return nil
	})
	return out, err
}
