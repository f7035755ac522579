package httpx

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/cpaudit/cpaudit"
)

// UploadForm is a multipart upload: the fields around the file and the
// file itself, staged to disk and hashed.
type UploadForm struct {
	Fields      map[string]string
	Filename    string
	ContentType string
	Staged      cpaudit.Staged
}

func (u *UploadForm) Close() {
	if u.Staged != nil {
		u.Staged.Close()
	}
}

const (
	maxFieldBytes = 64 << 10 // one text field of the form
	formSlack     = 1 << 20  // multipart framing and fields beyond the file
)

// Stager stages an uploaded file to disk while hashing it (storage).
type Stager interface {
	Stage(r io.Reader, max int64) (cpaudit.Staged, error)
}

// ReadUpload streams a multipart form: text fields are read into memory
// (small, bounded), the part named "file" is staged to disk while being
// hashed and sniffed, never held in memory. Fields may come before or after
// the file. The caller closes the form.
func (k *Kit) ReadUpload(w http.ResponseWriter, r *http.Request, st Stager) (*UploadForm, error) {
	if r.ContentLength > k.maxUpload+formSlack {
		return nil, cpaudit.Refuse(cpaudit.KindTooLarge, cpaudit.CodeUploadTooLarge, "the file is larger than the limit of %d MiB", k.maxUpload>>20).With("max", strconv.FormatInt(k.maxUpload>>20, 10))
	}
	if err := LimitBody(w, r, k.maxUpload+formSlack, "the upload"); err != nil {
		return nil, err
	}
	fr, release, err := k.OpenForm(r, "send the upload as multipart/form-data with a part named file")
	if err != nil {
		return nil, err
	}
	defer release()
	form := &UploadForm{Fields: map[string]string{}}
	for {
		part, err := fr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			form.Close()
			return nil, UploadReadError(err)
		}
		if err := k.readPart(st, form, part); err != nil {
			form.Close()
			return nil, err
		}
	}
	if form.Staged == nil {
		return nil, cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadNoFile, "the form has no file: send it in a part named file")
	}
	return form, nil
}

func (k *Kit) readPart(st Stager, form *UploadForm, part *formPart) error {
	name := part.FormName()
	if name != "file" {
		if len(form.Fields) > 32 {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadTooManyFields, "the form has too many fields")
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if err != nil {
			return UploadReadError(err)
		}
		if len(b) > maxFieldBytes {
			return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadFieldTooLong, "form field %q is too long", name).With("field", name)
		}
		form.Fields[name] = string(b)
		return nil
	}
	if form.Staged != nil {
		return cpaudit.Refuse(cpaudit.KindInvalid, cpaudit.CodeUploadOneFile, "send one file per upload")
	}
	// Fail fast on bad fields that came before the file, before receiving
	// what may be hundreds of megabytes.
	if err := checkEarlyFields(form.Fields); err != nil {
		return err
	}
	head := &headBuffer{max: sniffLen}
	staged, err := st.Stage(io.TeeReader(part, head), k.maxUpload)
	if err != nil {
		return UploadReadError(err)
	}
	form.Staged = staged
	form.Filename = cpaudit.CleanFilename(part.FileName())
	form.ContentType = SniffContentType(head.buf, form.Filename)
	return nil
}

// UploadReadError turns a broken request body into a client error: over
// the size limit is 413, anything else the client's stream broke off.
func UploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &cpaudit.Error{Kind: cpaudit.KindTooLarge, Code: cpaudit.CodeUploadTooLarge, Op: "httpx.ReadUpload", Message: "the upload is larger than the limit",
			Params: map[string]string{"max": strconv.FormatInt(mbe.Limit>>20, 10)}, Err: err}
	}
	if cpaudit.ErrorKind(err) != cpaudit.KindInternal {
		return err
	}
	return &cpaudit.Error{Kind: cpaudit.KindInvalid, Code: cpaudit.CodeUploadMalformed, Op: "httpx.ReadUpload", Message: "the upload could not be read: the multipart body is malformed or was cut off", Err: err}
}

func checkEarlyFields(f map[string]string) error {
	if k, ok := f["kind"]; ok {
		if _, err := cpaudit.ParseDocKind(k); err != nil {
			return err
		}
	}
	if _, ok := f["step"]; ok {
		if _, err := ParseStep(f["step"]); err != nil {
			return err
		}
	}
	return nil
}

// ParseStep reads the optional step field: "" is none, else 1..35.
func ParseStep(s string) (int, error) {
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

// NewDocument reads the document fields of an upload form.
func (u *UploadForm) NewDocument() (cpaudit.NewDocument, error) {
	kind, err := cpaudit.ParseDocKind(strings.TrimSpace(u.Fields["kind"]))
	if err != nil {
		return cpaudit.NewDocument{}, err
	}
	step, err := ParseStep(u.Fields["step"])
	if err != nil {
		return cpaudit.NewDocument{}, err
	}
	return cpaudit.NewDocument{
		Kind: kind, Title: u.Fields["title"], AuditID: strings.TrimSpace(u.Fields["audit_id"]), Step: step,
		Filename: u.Filename, ContentType: u.ContentType,
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
