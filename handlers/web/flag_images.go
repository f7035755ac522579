package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/cpaudit/cpaudit"
	"github.com/cpaudit/cpaudit/handlers/httpx"
	"github.com/cpaudit/cpaudit/search/detect"
)

// flagImage is one pair of images of a duplicate_image flag, as the flag
// page shows it side by side.
type flagImage struct {
	cpaudit.ImagePair
	Index int // ?pair= of the image route
}

// flagImagesOf reads the image pairs of a duplicate_image flag's detail.
func flagImagesOf(fl cpaudit.Flag) []flagImage {
	if fl.Kind != cpaudit.FlagDuplicateImage || len(fl.DocumentIDs) != 2 {
		return nil
	}
	var detail struct {
		Images []cpaudit.ImagePair `json:"images"`
	}
	if json.Unmarshal(fl.Detail, &detail) != nil {
		return nil
	}
	out := make([]flagImage, len(detail.Images))
	for i, p := range detail.Images {
		out[i] = flagImage{ImagePair: p, Index: i}
	}
	return out
}

// servableImage says whether a sniffed type is one an image is served as:
// anything else inside a document (an SVG with script, HTML) is never sent.
func servableImage(ct string) bool {
	switch ct {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return true
	}
	return false
}

// flagImage serves the exact bytes of one image of a duplicate_image flag:
// /flags/{id}/images/{side}?pair=N, side a or b, the image of pair N (0 by
// default) in the flag's first or second document: the photo itself, or
// the image embedded in the .docx or PDF. The flag must be visible to the
// user, which means both documents are readable; anything else is 404.
func (s *Handler) flagImage(w http.ResponseWriter, r *http.Request) error {
	side := httpx.Param(r, "side")
	if side != "a" && side != "b" {
		return cpaudit.Errorf(cpaudit.KindNotFound, "no such image")
	}
	pair := 0
	if p := r.URL.Query().Get("pair"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil {
			return cpaudit.Errorf(cpaudit.KindNotFound, "no such image")
		}
		pair = n
	}
	flags, _, err := s.store.Flags(r.Context(), httpx.ActorOf(r), cpaudit.FlagFilter{ID: httpx.Param(r, "id"), Limit: 1})
	if err != nil {
		return err
	}
	if len(flags) == 0 {
		return cpaudit.Errorf(cpaudit.KindNotFound, "no such flag")
	}
	images := flagImagesOf(flags[0])
	if pair < 0 || pair >= len(images) {
		return cpaudit.Errorf(cpaudit.KindNotFound, "no such image")
	}
	doc, entry := flags[0].DocumentIDs[0], images[pair].AEntry
	if side == "b" {
		doc, entry = flags[0].DocumentIDs[1], images[pair].BEntry
	}
	v, rc, err := s.store.OpenContent(r.Context(), httpx.ActorOf(r), doc, 0)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(rc, detect.MaxContainerBytes+1))
	rc.Close()
	if err != nil {
		return err
	}
	img, ok := detect.ImageBytes(v.Filename, v.ContentType, data, entry)
	if !ok || len(data) > detect.MaxContainerBytes {
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchImage, "the image is no longer in the document")
	}
	ct := http.DetectContentType(img)
	if !servableImage(ct) {
		return cpaudit.Refuse(cpaudit.KindNotFound, cpaudit.CodeNoSuchImage, "not an image that can be shown")
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(img)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=0")
	if _, err := w.Write(img); err != nil {
		// Headers are gone; all we can do is log.
		s.log.Warn("image interrupted", "flag", httpx.Param(r, "id"), "err", err)
	}
	return nil
}
