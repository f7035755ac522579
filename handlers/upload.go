package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// uploadForm is a multipart upload: the fields around the file and the
// file itself, staged to disk and hashed.
type uploadForm struct {
	fields      map[string]string
	filename    string
	contentType string
	staged      cpaudit.Staged
}

func (u *uploadForm) Close() {
	if u.staged != nil {
		u.staged.Close()
	}
}

const (
	maxFieldBytes = 64 << 10 // one text field of the form
	formSlack     = 1 << 20  // multipart framing and fields beyond the file
)

// readUpload streams a multipart form: text fields are read into memory
// (small, bounded), the part named "file" is staged to disk while being
// hashed and sniffed, never held in memory. Fields may come before or after
// the file. The caller closes the form.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (*uploadForm, error) {
	if r.ContentLength > s.maxUpload+formSlack {
		return nil, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeUploadTooLarge, "the file is larger than the limit of %d MiB", s.maxUpload>>20).With("max", strconv.FormatInt(s.maxUpload>>20, 10))
	}
	if err := limitBody(w, r, s.maxUpload+formSlack, "the upload"); err != nil {
		return nil, err
	}
	fr, release, err := s.openForm(r, "send the upload as multipart/form-data with a part named file")
	if err != nil {
		return nil, err
	}
	defer release()
	form := &uploadForm{fields: map[string]string{}}
	for {
		part, err := fr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			form.Close()
			return nil, uploadReadError(err)
		}
		if err := s.readPart(form, part); err != nil {
			form.Close()
			return nil, err
		}
	}
	if form.staged == nil {
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadNoFile, "the form has no file: send it in a part named file")
	}
	return form, nil
}

func (s *Server) readPart(form *uploadForm, part *formPart) error {
	name := part.FormName()
	if name != "file" {
		if len(form.fields) > 32 {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadTooManyFields, "the form has too many fields")
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return uploadReadError(err)
		}
		if len(b) > maxFieldBytes {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadFieldTooLong, "form field %q is too long", name).With("field", name)
		}
		form.fields[name] = string(b)
		return nil
	}
	if form.staged != nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadOneFile, "send one file per upload")
	}
	// Fail fast on bad fields that came before the file, before receiving
	// what may be hundreds of megabytes.
	if err := checkEarlyFields(form.fields); err != nil {
		return err
	}
	head := &headBuffer{max: sniffLen}
	st, err := s.store.Stage(io.TeeReader(part, head), s.maxUpload)
	if err != nil {
		return uploadReadError(err)
	}
	form.staged = st
	form.filename = cpaudit.CleanFilename(part.FileName())
	form.contentType = sniffContentType(head.buf, form.filename)
	return nil
}

// uploadReadError turns a broken request body into a client error: over
// the size limit is 413, anything else the client's stream broke off.
func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &cpaudit.Error{Kind: cpaudit.KindTooLarge, Code: cpaudit.CodeUploadTooLarge, Op: "handlers.readUpload", Message: "the upload is larger than the limit",
			Params: map[string]string{"max": strconv.FormatInt(mbe.Limit>>20, 10)}, Err: err}
	}
	if cpaudit.ErrorKind(err) != cpaudit.KindInternal {
		return err
	}
	return &cpaudit.Error{Kind: cpaudit.KindInvalid, Code: cpaudit.CodeUploadMalformed, Op: "handlers.readUpload", Message: "the upload could not be read: the multipart body is malformed or was cut off", Err: err}
}

func checkEarlyFields(f map[string]string) error {
	if k, ok := f["kind"]; ok {
		if _, err := cpaudit.ParseDocKind(k); err != nil {
			return err
		}
	}
	if _, ok := f["step"]; ok {
		if _, err := parseStep(f["step"]); err != nil {
			return err
		}
	}
	return nil
}

// parseStep reads the optional step field: "" is none, else 1..35.
func parseStep(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > cpaudit.StepCount {
		return 0, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeStepOutOfRange, "step %q is outside 1..%d", s, cpaudit.StepCount)
	}
	return n, nil
}

// newDocument reads the document fields of an upload form.
func (u *uploadForm) newDocument() (cpaudit.NewDocument, error) {
	kind, err := cpaudit.ParseDocKind(strings.TrimSpace(u.fields["kind"]))
	if err != nil {
		return cpaudit.NewDocument{}, err
	}
	step, err := parseStep(u.fields["step"])
	if err != nil {
		return cpaudit.NewDocument{}, err
	}
	return cpaudit.NewDocument{
		Kind: kind, Title: u.fields["title"], AuditID: strings.TrimSpace(u.fields["audit_id"]), Step: step,
		Filename: u.filename, ContentType: u.contentType,
	}, nil
}

// headBuffer keeps the first max bytes written to it, for sniffing.
type headBuffer struct {
	buf []byte
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - len(h.buf); room > 0 {
		h.buf = append(h.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}
