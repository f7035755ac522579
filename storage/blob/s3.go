package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/cpaudit/cpaudit"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3Config says where an S3 keeps its blobs. Any S3 service will
// do: only the plain S3 API is used, nothing specific to MinIO.
type S3Config struct {
	Endpoint  string // host:port; an http:// or https:// before it must agree with Secure
	AccessKey string
	SecretKey string
	Bucket    string // created if missing
	Region    string // empty: asked of the service
	// Prefix, if set, is put before every key (with a '/' after it), so
	// that cpaudit can share a bucket: "cpaudit" stores "t/sha256/…" as
	// "cpaudit/t/sha256/…". It follows the rules of keys (ValidKey).
	Prefix string
	Secure bool // HTTPS
	// Timeout bounds how long cpaudit waits on the service: to connect,
	// for an answer to a request, for a metadata request (stat, delete,
	// ping) as a whole, and for an upload to make progress. Past it the
	// operation fails with KindUnavailable (503 to clients) instead of
	// holding the request. 0 means DefaultS3Timeout.
	Timeout time.Duration
}

// DefaultS3Timeout is S3Config.Timeout's default: long enough for a busy
// service on a local network, short enough that a client whose request
// waits on a dead one gets its 503 before giving up itself.
const DefaultS3Timeout = 30 * time.Second

// s3Retries is how many times minio-go tries a request (1 is no retry).
// Its default, 10 with backoff, kept a request waiting ~10 s on a stopped
// service before failing; three still ride out a dropped connection.
const s3Retries = 3

// maxObjectName is S3's limit on an object name, in bytes.
const maxObjectName = 1024

// unknownSizePart is the part size of an upload of unknown size. minio-go
// would otherwise size parts for a 5 TiB object and buffer ~537 MiB per
// upload; 16 MiB parts still allow objects of 156 GiB (10,000 parts).
const unknownSizePart = 16 << 20

// S3 keeps blobs as objects of one bucket, through minio-go.
// S3 makes an object visible only once it is complete, so a Put is atomic
// by itself; S3 makes sure an upload of the wrong length never
// completes.
type S3 struct {
	client  *minio.Client
	bucket  string
	prefix  string        // "" or ending in '/'
	timeout time.Duration // see S3Config.Timeout
}

// NewS3 connects to the S3 service of cfg and creates the bucket
// if it is missing. KindInvalid for a bad configuration, KindUnavailable if
// the service cannot be reached or refuses the credentials.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	s, err := newS3(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.ensureBucket(ctx, cfg.Region); err != nil {
		return nil, err
	}
	return s, nil
}

// newS3 checks cfg and makes the client without any request, so
// that tests can point a store at an address where nothing listens.
func newS3(cfg S3Config) (*S3, error) {
	const op = "blob.NewS3"
	invalid := func(err error, format string, args ...any) error {
		return &cpaudit.Error{Kind: cpaudit.KindInvalid, Op: op, Message: fmt.Sprintf(format, args...), Err: err}
	}
	if cfg.Endpoint == "" {
		return nil, invalid(nil, "the object storage endpoint is not set")
	}
	// Not the strict check of new names: an existing bucket may have a
	// legacy name (capitals, '_'), which S3 still serves.
	if err := s3utils.CheckValidBucketName(cfg.Bucket); err != nil {
		return nil, invalid(err, "%q is not a valid bucket name", cfg.Bucket)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := ValidKey(prefix); err != nil || len(prefix)+1+maxKeyLen > maxObjectName {
			return nil, invalid(err, "%q is not a valid object storage prefix: it must be a path of at most %d bytes of A-Z, a-z, 0-9, '.', '_' and '-'",
				cfg.Prefix, maxObjectName-1-maxKeyLen)
		}
		prefix += "/"
	}
	timeout := cfg.Timeout
	if timeout < 0 {
		return nil, invalid(nil, "the object storage timeout must not be negative")
	}
	if timeout == 0 {
		timeout = DefaultS3Timeout
	}
	transport, err := minio.DefaultTransport(cfg.Secure)
	if err != nil {
		return nil, invalid(err, "the object storage transport: %v", err)
	}
	transport.DialContext = (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext
	transport.TLSHandshakeTimeout = min(transport.TLSHandshakeTimeout, timeout)
	transport.ResponseHeaderTimeout = timeout
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     cfg.Secure,
		Region:     cfg.Region,
		Transport:  transport,
		MaxRetries: s3Retries,
	})
	if err != nil {
		return nil, invalid(err, "%q is not a valid object storage endpoint (host:port): %v", cfg.Endpoint, err)
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: prefix, timeout: timeout}, nil
}

// ensureBucket creates the bucket unless it exists. It asks first, rather
// than creating and ignoring "exists", because operators often grant no
// right to create buckets once theirs is made.
func (s *S3) ensureBucket(ctx context.Context, region string) error {
	const op = "blob.NewS3"
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.s3Error(op, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
	if err == nil {
		return nil
	}
	switch minio.ToErrorResponse(err).Code {
	case minio.BucketAlreadyOwnedByYou:
		return nil // another server created it since we asked
	case minio.BucketAlreadyExists:
		// MinIO's answer when another server created it since we asked;
		// AWS's when another account owns the name. Asking again tells.
		if ok, err := s.client.BucketExists(ctx, s.bucket); err == nil && ok {
			return nil
		}
	}
	return s.s3Error(op, err)
}

// name is the object name of a key.
func (s *S3) name(key string) string { return s.prefix + key }

// s3Error classifies a minio-go error of op. An outage, a deadline, a
// server error, refused credentials and a missing bucket all make the
// store unusable until an operator or the network acts: KindUnavailable.
func (s *S3) s3Error(op string, err error) error {
	var e *cpaudit.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case errors.Is(err, context.Canceled):
		return cpaudit.Internal(op, err)
	case minio.IsNetworkOrHostDown(err, false), // includes a deadline
		// A request that got no answer: the connection was refused,
		// reset or closed mid-way (a service going down).
		errors.As(err, new(*url.Error)), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNREFUSED):
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "object storage is unreachable", Err: err}
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.StatusCode >= http.StatusInternalServerError:
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "object storage is failing", Err: err}
	case resp.Code == minio.AccessDenied || resp.Code == minio.InvalidAccessKeyID || resp.Code == minio.SignatureDoesNotMatch:
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "object storage refuses cpaudit's credentials", Err: err}
	case resp.Code == minio.NoSuchBucket:
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: fmt.Sprintf("the object storage bucket %q does not exist", s.bucket), Err: err}
	}
	return cpaudit.Internal(op, err)
}

// Put uploads r with its size, so that minio-go streams it in one request
// (or, above 16 MiB, in parts, buffering one part at a time).
func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	const op = "blob.S3.Put"
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	src, body := newSizedBody(r, size)
	if size == 0 {
		// An empty object has no body for minio-go to read: check now
		// that r is empty too.
		if err := src.complete(op); err != nil {
			return err
		}
	}
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
	if size < 0 {
		opts.PartSize = unknownSizePart
	}
	ctx, stop := s.watchdog(ctx, src)
	defer stop()
	if _, err := s.client.PutObject(ctx, s.bucket, s.name(key), body, size, opts); err != nil {
		// The cause is ours when the source failed: report it, not the
		// aborted request it caused.
		if ferr := src.failure(op); ferr != nil {
			return ferr
		}
		// The watchdog's cancellation carries a deadline as its cause.
		if ctx.Err() != nil {
			return blobError(op, context.Cause(ctx))
		}
		return s.s3Error(op, err)
	}
	// sizedReader hands over the last byte only after seeing the source
	// end, so S3 cannot have completed a wrong upload; this check only
	// guards that reasoning. A wrong object must not stay, even if removing
	// it removes an older one (keys are content addresses: the same bytes).
	if err := src.complete(op); err != nil {
		if derr := s.client.RemoveObject(context.WithoutCancel(ctx), s.bucket, s.name(key), minio.RemoveObjectOptions{}); derr != nil {
			return cpaudit.Internal(op, fmt.Errorf("object %q stored from a source of the wrong size could not be removed: %w", key, errors.Join(err, derr)))
		}
		return err
	}
	return nil
}

// SinglePutLimit is the largest body PutSHA256 sends in one request: the
// size up to which minio-go's Put does too (its smallest part), so that
// larger uploads keep Put's multipart transfer and its retries per part.
const SinglePutLimit = 16 << 20

// PutSHA256 stores the size bytes of r under key in one PUT that carries
// their SHA-256, which the caller already has (an upload's, computed while
// it was staged): the service checks the body against it and refuses it
// whole on a mismatch, and minio-go does not hash the body a second time
// to sign it chunk by chunk, as Put does over plain HTTP. r is read from
// its start, again if minio-go retries. KindInvalid beyond SinglePutLimit
// bytes (use Put) or for a malformed hash; otherwise as Put.
func (s *S3) PutSHA256(ctx context.Context, key string, r io.ReaderAt, size int64, sha256Hex string) error {
	const op = "blob.S3.PutSHA256"
	if err := ValidKey(key); err != nil {
		return err
	}
	if size < 0 || size > SinglePutLimit {
		return &cpaudit.Error{Kind: cpaudit.KindInvalid, Op: op, Message: fmt.Sprintf("PutSHA256 takes 0 to %d bytes, not %d", SinglePutLimit, size)}
	}
	if b, err := hex.DecodeString(sha256Hex); err != nil || len(b) != sha256.Size {
		return &cpaudit.Error{Kind: cpaudit.KindInvalid, Op: op, Message: fmt.Sprintf("%q is not a SHA-256 in hex", sha256Hex)}
	}
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	// DisableContentSha256 turns off the streaming signature, so that the
	// given hash is what gets signed and sent as X-Amz-Content-Sha256.
	opts := minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true}
	// One request of at most 16 MiB: the timeout bounds it as a whole.
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	_, err := minio.Core{Client: s.client}.PutObject(ctx, s.bucket, s.name(key), io.NewSectionReader(r, 0, size), size, "", sha256Hex, opts)
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return blobError(op, cerr)
		}
		return s.s3Error(op, err)
	}
	return nil
}

// Open reads the object with one GET. minio-go's GetObject would only send
// it on the first Read, too late to report a missing key here; minio.Core's
// GetObject sends it now and returns the response body.
func (s *S3) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	const op = "blob.S3.Open"
	if err := ValidKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, blobError(op, err)
	}
	body, _, _, err := minio.Core{Client: s.client}.GetObject(ctx, s.bucket, s.name(key), minio.GetObjectOptions{})
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return nil, notFound(op, key)
	}
	if err != nil {
		return nil, s.s3Error(op, err)
	}
	return body, nil
}

// Stat sends a HEAD request. Its answer has no body, so a service that
// does not name the error in a header (MinIO does) makes a missing bucket
// look like a missing key here; Ping tells them apart.
func (s *S3) Stat(ctx context.Context, key string) (int64, error) {
	const op = "blob.S3.Stat"
	if err := ValidKey(key); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, blobError(op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	info, err := s.client.StatObject(ctx, s.bucket, s.name(key), minio.StatObjectOptions{})
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return 0, notFound(op, key)
	}
	if err != nil {
		return 0, s.s3Error(op, err)
	}
	return info.Size, nil
}

// Delete removes the object; S3 answers success for an absent one.
func (s *S3) Delete(ctx context.Context, key string) error {
	const op = "blob.S3.Delete"
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return blobError(op, err)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	return s.s3Error(op, s.client.RemoveObject(ctx, s.bucket, s.name(key), minio.RemoveObjectOptions{}))
}

// List relies on S3 listing keys in UTF-8 byte order, which for keys (all
// ASCII) is their lexical order.
func (s *S3) List(ctx context.Context, prefix string, fn func(key string, size int64, modTime time.Time) error) error {
	const op = "blob.S3.List"
	if err := validPrefix(prefix); err != nil {
		return err
	}
	noOwner := false
	opts := minio.ListObjectsOptions{Prefix: s.name(prefix), Recursive: true, FetchOwner: &noOwner}
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, opts) {
		if obj.Err != nil {
			return s.s3Error(op, obj.Err)
		}
		key := strings.TrimPrefix(obj.Key, s.prefix)
		// Objects that are no valid key (put by another program in a
		// shared bucket, "folder/" markers) are not listed: callers could
		// not Open or Delete them.
		if ValidKey(key) != nil {
			continue
		}
		if err := fn(key, obj.Size, obj.LastModified); err != nil {
			return err
		}
	}
	// The iterator ends quietly when ctx is done: without this check a
	// cancelled listing would pass for a complete one.
	return blobError(op, ctx.Err())
}

// Ping asks whether the bucket exists: one cheap request that needs the
// service, the credentials and the bucket to be right.
func (s *S3) Ping(ctx context.Context) error {
	const op = "blob.S3.Ping"
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err == nil && !ok {
		return &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: fmt.Sprintf("the object storage bucket %q does not exist", s.bucket)}
	}
	if err != nil {
		err = s.s3Error(op, err)
		if !cpaudit.IsKind(err, cpaudit.KindUnavailable) {
			err = &cpaudit.Error{Kind: cpaudit.KindUnavailable, Op: op, Message: "object storage is unreachable", Err: err}
		}
		return err
	}
	return nil
}

// errSizeMismatch is what sizedReader returns to minio-go to abort an
// upload whose source has the wrong length; Put reports sizeMismatch.
var errSizeMismatch = errors.New("the source does not have the announced size")

// sizedReader is the body of an upload. S3 completes an object once the
// announced number of bytes has arrived, and minio-go never reads more, so
// a source of the wrong length must be caught before its last byte is
// sent: sizedReader fails instead of ending early, and before handing over
// the last byte it reads one more from the source to see that it ends
// there. With size < 0 it only records the source's errors. Put then tells
// its own failures from the service's.
type sizedReader struct {
	r        io.Reader
	size     int64
	n        int64  // bytes handed out
	ended    bool   // r ended after exactly size bytes
	mismatch bool   // r did not
	srcErr   error  // r failed
	progress func() // called on each read that yields bytes; may be nil
}

// newSizedBody returns the sizedReader of r and the body to give minio-go:
// the reader itself or, if r can rewind, a sizedReadSeeker, which lets
// minio-go retry a request that failed on the network.
func newSizedBody(r io.Reader, size int64) (*sizedReader, io.Reader) {
	sr := &sizedReader{r: r, size: size}
	if seeker, ok := r.(io.Seeker); ok && size > 0 {
		// Seeking is the test: a pipe is an *os.File that cannot seek.
		if start, err := seeker.Seek(0, io.SeekCurrent); err == nil {
			return sr, &sizedReadSeeker{sr, seeker, start}
		}
	}
	return sr, sr
}

func (s *sizedReader) Read(p []byte) (int, error) {
	n, err := s.read(p)
	if n > 0 && s.progress != nil {
		s.progress()
	}
	return n, err
}

func (s *sizedReader) read(p []byte) (int, error) {
	if s.mismatch {
		return 0, errSizeMismatch
	}
	if s.srcErr != nil {
		return 0, s.srcErr
	}
	if s.size < 0 {
		n, err := s.r.Read(p)
		s.n += int64(n)
		if err != nil && err != io.EOF {
			s.srcErr = err
		}
		return n, err
	}
	left := s.size - s.n
	if left == 0 {
		if err := s.checkEnd(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	switch {
	case err != nil && err != io.EOF:
		s.srcErr = err
		return 0, err
	case s.n == s.size:
		// Withhold the last bytes until the source is known to end.
		if err == io.EOF {
			s.ended = true
		} else if err := s.checkEnd(); err != nil {
			return 0, err
		}
		return n, nil
	case err == io.EOF:
		s.mismatch = true
		return 0, errSizeMismatch
	}
	return n, nil
}

// checkEnd reads one byte past size bytes, which must be the end.
func (s *sizedReader) checkEnd() error {
	if s.ended {
		return nil
	}
	var b [1]byte
	// Readers may return 0, nil; bufio gives up after 100 such reads too.
	for range 100 {
		n, err := s.r.Read(b[:])
		switch {
		case n > 0:
			s.mismatch = true
			return errSizeMismatch
		case err == io.EOF:
			s.ended = true
			return nil
		case err != nil:
			s.srcErr = err
			return err
		}
	}
	s.srcErr = io.ErrNoProgress
	return s.srcErr
}

// failure is the error of op caused by the source, or nil.
func (s *sizedReader) failure(op string) error {
	switch {
	case s.mismatch:
		return sizeMismatch(op, s.size)
	case s.srcErr != nil:
		return blobError(op, s.srcErr)
	}
	return nil
}

// complete checks, after an upload, that the source gave exactly size
// bytes and ended.
func (s *sizedReader) complete(op string) error {
	if err := s.failure(op); err != nil || s.size < 0 {
		return err
	}
	if s.n != s.size {
		s.mismatch = true
	} else {
		s.checkEnd()
	}
	return s.failure(op)
}

// sizedReadSeeker is a sizedReader whose source can rewind. minio-go
// rewinds a seekable body before each attempt of a request.
type sizedReadSeeker struct {
	*sizedReader
	seeker io.Seeker
	start  int64 // where the source was when Put began
}

// Seek supports only what minio-go's retries do: rewinding to the start.
// After a failure of the source it returns that failure instead, which
// ends the retries: reading the same source again would fail again.
func (s *sizedReadSeeker) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekStart {
		return 0, errors.New("storage: an upload body can only rewind to its start")
	}
	if s.mismatch {
		return 0, errSizeMismatch
	}
	if s.srcErr != nil {
		return 0, s.srcErr
	}
	if _, err := s.seeker.Seek(s.start, io.SeekStart); err != nil {
		s.srcErr = err
		return 0, err
	}
	s.n, s.ended = 0, false
	return 0, nil
}

// watchdog returns ctx cancelled, with a deadline as its cause, once src
// has handed out no byte for s.timeout: an upload to a service that stopped
// reading (frozen, or cut off without a reset) fails as unavailable instead
// of blocking on a full socket. The wait for the answer after the last byte
// is bounded by the transport's ResponseHeaderTimeout. stop ends the watch.
func (s *S3) watchdog(ctx context.Context, src *sizedReader) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	var timer *time.Timer
	timer = time.AfterFunc(s.timeout, func() { cancel(context.DeadlineExceeded) })
	src.progress = func() { timer.Reset(s.timeout) }
	return ctx, func() { timer.Stop(); cancel(nil) }
}
