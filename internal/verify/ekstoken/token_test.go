package ekstoken

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func presigner() *sts.PresignClient {
	return sts.NewPresignClient(sts.New(sts.Options{
		Region:      "ap-northeast-2",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session-token"),
	}))
}

// decode undoes what the EKS authenticator undoes: the prefix, unpadded base64url, the URL.
func decode(t *testing.T, token string) *url.URL {
	t.Helper()
	if !strings.HasPrefix(token, Prefix) {
		t.Fatalf("token %q lacks the %q prefix", token, Prefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, Prefix))
	if err != nil {
		t.Fatalf("the token is not unpadded base64url: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestTokenIsWhatTheAuthenticatorAccepts checks the token against aws-iam-authenticator's
// verifier (pkg/token/token.go): an https URL to the regional STS endpoint for
// Action=GetCallerIdentity, only the query parameters it allows, X-Amz-Expires 60, and
// x-k8s-aws-id among the signed headers.
func TestTokenIsWhatTheAuthenticatorAccepts(t *testing.T) {
	token, err := Token(context.Background(), presigner(), "mission-link-dev")
	if err != nil {
		t.Fatal(err)
	}
	u := decode(t, token)
	if u.Scheme != "https" || u.Host != "sts.ap-northeast-2.amazonaws.com" || (u.Path != "/" && u.Path != "") {
		t.Errorf("URL %s, want https://sts.ap-northeast-2.amazonaws.com/", u)
	}
	q := u.Query()
	allowed := []string{"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-expires", "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders"}
	for key := range q {
		if !slices.Contains(allowed, strings.ToLower(key)) {
			t.Errorf("query parameter %s is not one the authenticator accepts", key)
		}
	}
	for key, want := range map[string]string{"Action": "GetCallerIdentity", "Version": "2011-06-15", "X-Amz-Expires": "60", "X-Amz-Algorithm": "AWS4-HMAC-SHA256"} {
		if got := q.Get(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";"); !slices.Contains(signed, "host") || !slices.Contains(signed, ClusterIDHeader) {
		t.Errorf("signed headers %v, want host and %s", signed, ClusterIDHeader)
	}
	if cred := q.Get("X-Amz-Credential"); !strings.HasPrefix(cred, "AKIAIOSFODNN7EXAMPLE/") || !strings.HasSuffix(cred, "/ap-northeast-2/sts/aws4_request") {
		t.Errorf("credential scope %q", cred)
	}
	if q.Get("X-Amz-Security-Token") != "session-token" {
		t.Error("the session token of temporary credentials (SSO, assumed roles) must be in the URL")
	}
	if len(token) > 4096 {
		t.Errorf("token of %d bytes; the authenticator refuses more than 4096", len(token))
	}
}

func TestSourceRenewsBeforeExpiry(t *testing.T) {
	s := NewSource(presigner(), "mission-link-dev")
	clock := time.Date(2026, 8, 4, 10, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	presign, signed := s.sign, 0
	s.sign = func(ctx context.Context) (string, error) { signed++; return presign(ctx) }
	for _, step := range []struct {
		after  time.Duration
		signed int
	}{{0, 1}, {10 * time.Minute, 1}, {4*time.Minute + 30*time.Second, 2}, {time.Minute, 2}} {
		clock = clock.Add(step.after)
		if _, err := s.Token(context.Background()); err != nil {
			t.Fatal(err)
		}
		if signed != step.signed {
			t.Errorf("after %s: %d presigns, want %d (a token is good for 15 minutes and renewed one minute before)", step.after, signed, step.signed)
		}
	}
}

func TestWrapTransportSendsTheToken(t *testing.T) {
	var auth string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { auth = r.Header.Get("Authorization") }))
	defer server.Close()
	client := &http.Client{Transport: NewSource(presigner(), "mission-link-dev").WrapTransport(http.DefaultTransport)}
	resp, err := client.Get(server.URL + "/version")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(auth, "Bearer "+Prefix) {
		t.Errorf("Authorization %q", auth)
	}
}
