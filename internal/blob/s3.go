package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmw "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/recpipe/recpipe/internal/redact"
)

// S3Options configure an S3 (or MinIO) bucket.
type S3Options struct {
	Bucket string
	// Prefix is prepended to every key ("" or a path; a trailing slash is added).
	Prefix string
	// Endpoint, when set (e.g. http://127.0.0.1:9000), is used with path-style addressing.
	Endpoint string
	// Region defaults to the environment / shared config, then to us-east-1 when Endpoint is set.
	Region string
	// Credentials default to the AWS default chain (environment, shared files, roles).
	Credentials aws.CredentialsProvider
	// HTTPClient replaces the SDK's default client when set.
	HTTPClient *http.Client
}

// S3 is a bucket on AWS S3 or an S3-compatible server. It makes one attempt per call:
// the SDK's retries are off, wrap it in WithRetry (Open does).
type S3 struct {
	client *s3.Client
	opts   S3Options
}

// NewS3 builds the client; it contacts nothing until the first call.
func NewS3(ctx context.Context, o S3Options) (*S3, error) {
	if o.Bucket == "" {
		return nil, errors.New("s3 bucket: empty bucket name")
	}
	if o.Endpoint != "" && redact.URL(o.Endpoint) != o.Endpoint {
		return nil, fmt.Errorf("s3 bucket %s: endpoint %s: %w", o.Bucket, redact.URL(o.Endpoint), ErrCredentialsInURL)
	}
	o.Prefix = strings.Trim(o.Prefix, "/")
	if o.Prefix != "" {
		if err := ValidateKey(o.Prefix); err != nil {
			return nil, fmt.Errorf("s3 bucket %s: prefix: %w", o.Bucket, err)
		}
		o.Prefix += "/"
	}
	loaders := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
	}
	if o.Region != "" {
		loaders = append(loaders, config.WithRegion(o.Region))
	}
	if o.Credentials != nil {
		loaders = append(loaders, config.WithCredentialsProvider(o.Credentials))
	}
	if o.HTTPClient != nil {
		loaders = append(loaders, config.WithHTTPClient(o.HTTPClient))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		return nil, fmt.Errorf("s3 bucket %s: load AWS config: %w", o.Bucket, err)
	}
	if cfg.Region == "" && o.Endpoint != "" {
		cfg.Region = "us-east-1"
	}
	o.Region = cfg.Region
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
			so.UsePathStyle = true
		}
		// Checksums only where the API demands them: MinIO and older S3 clones differ on the rest.
		so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		so.DisableLogOutputChecksumValidationSkipped = true
	})
	return &S3{client: client, opts: o}, nil
}

func (b *S3) key(key string) (*string, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	return aws.String(b.opts.Prefix + key), nil
}

// s3Err maps an SDK error on key to the package's sentinels, keeping the cause.
func s3Err(op, key string, err error) error {
	var api smithy.APIError
	code := ""
	if errors.As(err, &api) {
		code = api.ErrorCode()
	}
	var resp *smithyhttp.ResponseError
	status := 0
	if errors.As(err, &resp) {
		status = resp.HTTPStatusCode()
	}
	switch {
	case code == "NoSuchBucket":
		return fmt.Errorf("%s %s: %w", op, key, err)
	case code == "NoSuchKey" || code == "NotFound" || status == http.StatusNotFound:
		return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
	case code == "PreconditionFailed" || status == http.StatusPreconditionFailed:
		return fmt.Errorf("%s %s: %w", op, key, ErrExists)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}

func (b *S3) Get(ctx context.Context, key string) (io.ReadCloser, error) {
	k, err := b.key(key)
	if err != nil {
		return nil, err
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.opts.Bucket, Key: k})
	if err != nil {
		return nil, s3Err("get", key, err)
	}
	return etagBody{out.Body, strings.Trim(aws.ToString(out.ETag), `"`)}, nil
}

// GetRange reads bytes [off, off+n) with an HTTP Range request; n < 0 reads to the end.
func (b *S3) GetRange(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	k, err := b.key(key)
	if err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("get %s: negative range offset %d", key, off)
	}
	if n == 0 { // S3 has no empty range: check the object, return nothing
		a, err := b.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		if off > a.Size {
			return nil, fmt.Errorf("get %s: range offset %d beyond size %d", key, off, a.Size)
		}
		return etagBody{io.NopCloser(strings.NewReader("")), a.ETag}, nil
	}
	rng := fmt.Sprintf("bytes=%d-", off)
	if n > 0 {
		rng = fmt.Sprintf("bytes=%d-%d", off, off+n-1)
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.opts.Bucket, Key: k, Range: &rng})
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "InvalidRange" {
			return b.emptyRangeAt(ctx, key, off, err)
		}
		return nil, s3Err("get", key, err)
	}
	return etagBody{out.Body, strings.Trim(aws.ToString(out.ETag), `"`)}, nil
}

// emptyRangeAt answers a range S3 refused (416): empty when it starts at the very end
// of the object (as on the other backends), an error beyond it.
func (b *S3) emptyRangeAt(ctx context.Context, key string, off int64, cause error) (io.ReadCloser, error) {
	a, err := b.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	if off == a.Size {
		return etagBody{io.NopCloser(strings.NewReader("")), a.ETag}, nil
	}
	return nil, fmt.Errorf("get %s: range offset %d beyond size %d: %w", key, off, a.Size, cause)
}

func (b *S3) Stat(ctx context.Context, key string) (Attrs, error) {
	k, err := b.key(key)
	if err != nil {
		return Attrs{}, err
	}
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.opts.Bucket, Key: k})
	if err != nil {
		return Attrs{}, s3Err("stat", key, err)
	}
	return Attrs{
		Key:     key,
		Size:    aws.ToInt64(out.ContentLength),
		ETag:    strings.Trim(aws.ToString(out.ETag), `"`),
		ModTime: aws.ToTime(out.LastModified).UTC(),
	}, nil
}

// Put uploads r in one PUT (up to 5 GiB). A body that cannot seek is spooled first (to
// memory, then a temporary file), so the SDK can sign it and know its length.
func (b *S3) Put(ctx context.Context, key string, r io.Reader, opts PutOptions) (Attrs, error) {
	k, err := b.key(key)
	if err != nil {
		return Attrs{}, err
	}
	s, err := spool(ctx, r)
	if err != nil {
		return Attrs{}, fmt.Errorf("put %s: %w", key, err)
	}
	defer s.close()
	in := &s3.PutObjectInput{Bucket: &b.opts.Bucket, Key: k, Body: s.reader(), ContentLength: aws.Int64(s.size)}
	if opts.IfAbsent {
		in.IfNoneMatch = aws.String("*")
	}
	if opts.ContentType != "" {
		in.ContentType = aws.String(opts.ContentType)
	}
	out, err := b.client.PutObject(ctx, in)
	if err != nil {
		return Attrs{}, s3Err("put", key, err)
	}
	a := Attrs{Key: key, Size: s.size, ETag: strings.Trim(aws.ToString(out.ETag), `"`), ModTime: time.Now().UTC()}
	if raw, ok := awsmw.GetRawResponse(out.ResultMetadata).(*smithyhttp.Response); ok {
		if t, err := http.ParseTime(raw.Header.Get("Date")); err == nil {
			a.ModTime = t.UTC()
		}
	}
	return a, nil
}

func (b *S3) List(ctx context.Context, prefix string) ([]Attrs, error) {
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{
		Bucket: &b.opts.Bucket,
		Prefix: aws.String(b.opts.Prefix + prefix),
	})
	var out []Attrs
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s3Err("list", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, Attrs{
				Key:     strings.TrimPrefix(aws.ToString(o.Key), b.opts.Prefix),
				Size:    aws.ToInt64(o.Size),
				ETag:    strings.Trim(aws.ToString(o.ETag), `"`),
				ModTime: aws.ToTime(o.LastModified).UTC(),
			})
		}
	}
	sortAttrs(out) // S3 lists in UTF-8 byte order already; other servers may not
	return out, nil
}

func (b *S3) Delete(ctx context.Context, key string) error {
	k, err := b.key(key)
	if err != nil {
		return err
	}
	if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.opts.Bucket, Key: k}); err != nil {
		return s3Err("delete", key, err)
	}
	return nil
}

// URL names the bucket, its prefix, endpoint and region; never credentials.
func (b *S3) URL() string { return redact.URL(b.opts.url()) }

// url is the canonical s3:// URL of the options (ParseURL reads it back).
func (o S3Options) url() string {
	u := "s3://" + o.Bucket
	if p := strings.Trim(o.Prefix, "/"); p != "" {
		u += "/" + p
	}
	q := url.Values{}
	if o.Endpoint != "" {
		q.Set("endpoint", o.Endpoint)
	}
	if o.Region != "" {
		q.Set("region", o.Region)
	}
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return u
}

func (b *S3) Close() error { return nil }
