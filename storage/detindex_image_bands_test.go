package storage

import (
	"context"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/cpaudit/cpaudit"
)

// flipBits flips n bits of x, spread over its four bands in turn.
func flipBits(x uint64, n int) uint64 {
	for i := range n {
		x ^= 1 << ((i%4)*16 + i/4)
	}
	return x
}

// TestImageBandLookup: an image within 7 bits of a stored one (pHash or
// dHash, whole or centre) is always a candidate, whatever bits differ;
// one far from every stored image is not; EXIF alone finds one too.
func TestImageBandLookup(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: "a.jpg", ContentType: "image/jpeg"}, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.upload(t, f.enterprise, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "b.jpg", ContentType: "image/jpeg"}, "b"); err != nil {
		t.Fatal(err)
	}
	ajobs := f.analysisJobs(t, 2, d.ID)
	// An entry name with Chinese and a quote, which the lookup passes on as JSON.
	stored := cpaudit.ImageHash{Entry: `word/media/现场照片"1".png`, PHash: 0x8123_4567_89ab_cdef, DHash: 0x0f0f_f0f0_1234_4321,
		CPHash: 0x7777_1111_2222_3333, CDHash: 0x1111_0000_ffff_8888, Thumb: []byte("thumbnail"), Width: 800, Height: 600}
	if _, err := s.MatchImages(ctx, ajobs[0], []cpaudit.ImageHash{stored}, nil); err != nil {
		t.Fatal(err)
	}
	other := ajobs[1]
	other.Source.EnterpriseID = "ent-other"
	far := cpaudit.ImageHash{PHash: ^stored.PHash, DHash: ^stored.DHash, CPHash: ^stored.CPHash, CDHash: ^stored.CDHash}
	for _, c := range []struct {
		name string
		h    cpaudit.ImageHash
		want bool
	}{
		{"same", stored, true},
		{"pHash 7 bits off, dHash far", cpaudit.ImageHash{PHash: flipBits(stored.PHash, 7), DHash: ^stored.DHash}, true},
		{"dHash 7 bits off, pHash far", cpaudit.ImageHash{PHash: ^stored.PHash, DHash: flipBits(stored.DHash, 7)}, true},
		{"whole like the stored centre (a crop)", cpaudit.ImageHash{PHash: flipBits(stored.CPHash, 5), DHash: ^stored.DHash}, true},
		{"centre like the stored whole", cpaudit.ImageHash{PHash: far.PHash, DHash: far.DHash, CPHash: flipBits(stored.PHash, 6), CDHash: 1}, true},
		{"8 bits off in both, 2 a band", cpaudit.ImageHash{PHash: flipBits(stored.PHash, 8), DHash: flipBits(stored.DHash, 8)}, false},
		{"far", far, false},
		{"far, same EXIF", cpaudit.ImageHash{PHash: far.PHash, DHash: far.DHash, EXIF: "2025:01:02 03:04:05|SN1"}, false},
	} {
		got, err := s.MatchImages(ctx, other, []cpaudit.ImageHash{c.h}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if (len(got) == 1) != c.want || len(got) > 1 || c.want && (got[0].DocumentID != d.ID || !reflect.DeepEqual(got[0].Theirs, stored)) {
			t.Errorf("%s: candidates %+v, want %v", c.name, got, c.want)
		}
	}
	// EXIF: stored with one, found by it alone.
	withEXIF := stored
	withEXIF.EXIF = "2025:01:02 03:04:05|SN1"
	if _, err := s.MatchImages(ctx, ajobs[0], []cpaudit.ImageHash{withEXIF}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.MatchImages(ctx, other, []cpaudit.ImageHash{{PHash: far.PHash, DHash: far.DHash, EXIF: withEXIF.EXIF}}, nil); err != nil || len(got) != 1 {
		t.Errorf("by EXIF: %+v %v", got, err)
	}

	// Migration 013's SQL computes the same keys as imageBandKeys (for
	// documents hashed before it), negative hashes included.
	db := f.db(t)
	want := imageBandKeys(withEXIF)
	if _, err := db.ExecContext(ctx, `DELETE FROM image_bands`); err != nil {
		t.Fatal(err)
	}
	body, err := fs.ReadFile(migrationsFS, "migrations/tenant/013_image_bands.sql")
	if err != nil {
		t.Fatal(err)
	}
	backfill := string(body[strings.Index(string(body), "INSERT INTO image_bands"):])
	if _, err := db.ExecContext(ctx, backfill); err != nil {
		t.Fatal(err)
	}
	var got []int64
	rows, err := db.QueryContext(ctx, `SELECT key FROM image_bands WHERE document_id = ?`, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		got = append(got, k)
	}
	rows.Close()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("backfilled keys %x, want %x", got, want)
	}
}

// The band lookup reads the index alone (migration 016): a table row per
// key found was a cost per report that grew with the tenant.
func TestImageBandLookupCovered(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	db := f.db(t)
	rows, err := db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+bandLookup(3), 1, 2, 3, "e", "d")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "USING COVERING INDEX image_bands_probe") }) {
		t.Errorf("the band lookup does not read the covering index alone: %q", plan)
	}
}

// TestImageBandLookupNear: of the images that share a band, only those
// near one of the document's images (any of them, not only the one whose
// band found it) are read; an image with the same EXIF is read whatever
// near says; migration 018 gives the band rows of images stored before it
// their hashes.
func TestImageBandLookupNear(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t, nil)
	f := newFixture(t, s, "hebei")
	d, err := f.upload(t, f.consultant, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, AuditID: f.audit.ID, Filename: "报告附件.docx",
		ContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}, "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.upload(t, f.enterprise, cpaudit.NewDocument{Kind: cpaudit.DocEvidence, Filename: "b.jpg", ContentType: "image/jpeg"}, "b"); err != nil {
		t.Fatal(err)
	}
	ajobs := f.analysisJobs(t, 2, d.ID)
	wanted := cpaudit.ImageHash{Entry: "word/media/设备1.jpeg", PHash: 0x1111_2222_3333_4444, DHash: 0x5555_6666_7777_8888}
	dropped := cpaudit.ImageHash{Entry: "word/media/设备2.jpeg", PHash: 0x1111_0000_0000_0000, DHash: 0x0000_0000_0000_9999}
	byEXIF := cpaudit.ImageHash{Entry: "word/media/设备3.jpeg", PHash: 0x1111_aaaa_0000_0000, DHash: 1, EXIF: "2025:01:02 03:04:05|SN1"}
	if _, err := s.MatchImages(ctx, ajobs[0], []cpaudit.ImageHash{wanted, dropped, byEXIF}, nil); err != nil {
		t.Fatal(err)
	}
	other := ajobs[1]
	other.Source.EnterpriseID = "ent-other"
	// Both of mine share the top pHash band with all three stored images;
	// near accepts wanted for the second of mine only.
	mine := []cpaudit.ImageHash{
		{Entry: "word/media/image1.png", PHash: 0x1111_0000_0000_0001, DHash: 2},
		{Entry: "word/media/image2.png", PHash: 0x1111_ffff_ffff_ffff, DHash: 3, EXIF: byEXIF.EXIF},
	}
	var asked []string
	near := func(m, theirs cpaudit.ImageHash) bool {
		asked = append(asked, fmt.Sprintf("%x", theirs.PHash))
		return m.PHash == mine[1].PHash && theirs.PHash == wanted.PHash && theirs.DHash == wanted.DHash
	}
	got, err := s.MatchImages(ctx, other, mine, near)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, c := range got {
		entries = append(entries, c.Theirs.Entry)
	}
	slices.Sort(entries)
	if want := []string{wanted.Entry, byEXIF.Entry}; !slices.Equal(entries, want) {
		t.Errorf("candidates %q, want %q", entries, want)
	}
	if !slices.Contains(asked, fmt.Sprintf("%x", dropped.PHash)) {
		t.Errorf("near was not asked about the far image: %q", asked)
	}
	all, err := s.MatchImages(ctx, other, mine, nil)
	if err != nil || len(all) != 3 {
		t.Errorf("without near: %+v %v, want the three images", all, err)
	}

	// Migration 018's backfill gives band rows their image's hashes.
	db := f.db(t)
	if _, err := db.ExecContext(ctx, `UPDATE image_bands SET phash = 0, dhash = 0, cphash = 0, cdhash = 0`); err != nil {
		t.Fatal(err)
	}
	body, err := fs.ReadFile(migrationsFS, "migrations/tenant/018_image_bands_hashes.sql")
	if err != nil {
		t.Fatal(err)
	}
	update := string(body[strings.Index(string(body), "UPDATE image_bands"):strings.Index(string(body), "DROP INDEX")])
	if _, err := db.ExecContext(ctx, update); err != nil {
		t.Fatal(err)
	}
	var wrong int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM image_bands b JOIN image_hashes h USING (document_id, entry)
		WHERE b.phash <> h.phash OR b.dhash <> h.dhash OR b.cphash <> h.cphash OR b.cdhash <> h.cdhash`).Scan(&wrong); err != nil || wrong != 0 {
		t.Errorf("%d band rows without their image's hashes after the backfill (%v)", wrong, err)
	}
	if got, err := s.MatchImages(ctx, other, mine, near); err != nil || len(got) != 2 {
		t.Errorf("after the backfill: %+v %v", got, err)
	}
}
