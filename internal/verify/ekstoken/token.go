// Package ekstoken authenticates to an EKS cluster's Kubernetes API the way `aws eks get-token`
// does: the bearer token is "k8s-aws-v1." followed by the unpadded base64url of a presigned
// sts:GetCallerIdentity URL whose signature covers the header x-k8s-aws-id = the cluster's name.
// EKS's authenticator calls STS with that URL and maps the identity STS answers to an access
// entry. The format is aws-iam-authenticator's (pkg/token/token.go, kubernetes-sigs): X-Amz-Expires
// is 60, and STS honours a presigned URL for 15 minutes from its X-Amz-Date.
package ekstoken

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const (
	// Prefix marks version 1 of the token format.
	Prefix = "k8s-aws-v1."
	// ClusterIDHeader carries the cluster's name inside the signature.
	ClusterIDHeader = "x-k8s-aws-id"
	// expiresSeconds is the X-Amz-Expires the authenticator expects (it accepts 0-60).
	expiresSeconds = "60"
	// Lifetime is how long STS honours the presigned URL.
	Lifetime = 15 * time.Minute
	// refreshBefore renews a token this long before it expires.
	refreshBefore = time.Minute
)

// Token returns a bearer token for the cluster named cluster, signed by presigner.
func Token(ctx context.Context, presigner *sts.PresignClient, cluster string) (string, error) {
	req, err := presigner.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions,
				smithyhttp.SetHeaderValue(ClusterIDHeader, cluster),
				smithyhttp.SetHeaderValue("X-Amz-Expires", expiresSeconds))
		})
	})
	if err != nil {
		return "", fmt.Errorf("presigning sts:GetCallerIdentity for cluster %s: %w", cluster, err)
	}
	return Prefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), nil
}

// Source hands out a token for a cluster, renewed before STS would stop honouring it, so a run
// longer than 15 minutes (a slow storage probe) keeps its access.
type Source struct {
	sign func(ctx context.Context) (string, error)
	now  func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewSource returns a token source for cluster.
func NewSource(presigner *sts.PresignClient, cluster string) *Source {
	sign := func(ctx context.Context) (string, error) { return Token(ctx, presigner, cluster) }
	return &Source{sign: sign, now: time.Now}
}

// Token returns the current token, presigning a new one when it is about to expire.
func (s *Source) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.now().Before(s.expires.Add(-refreshBefore)) {
		return s.token, nil
	}
	signedAt := s.now()
	token, err := s.sign(ctx)
	if err != nil {
		return "", err
	}
	s.token, s.expires = token, signedAt.Add(Lifetime)
	return token, nil
}

// WrapTransport puts the token on every request (rest.Config.WrapTransport).
func (s *Source) WrapTransport(rt http.RoundTripper) http.RoundTripper {
	return roundTripper{source: s, next: rt}
}

type roundTripper struct {
	source *Source
	next   http.RoundTripper
}

func (r roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	token, err := r.source.Token(req.Context())
	if err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+token)
	return r.next.RoundTrip(req)
}
