// Package awsreplay answers the AWS SDK's HTTP requests with recorded responses, so tests run the
// SDK's own serialisers and deserialisers against bodies shaped like AWS's: JSON for the awsJson
// and restJson services (EKS, EventBridge, SQS, SSM, Secrets Manager, KMS, ECR), XML for the query
// services (SNS, IAM, STS, EC2, Auto Scaling), CBOR for CloudWatch (RPC v2). It only plugs into
// aws.Config.HTTPClient; nothing reaches the network.
package awsreplay

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Call is one request the SDK sent.
type Call struct {
	Service   string
	Operation string
	Body      []byte
	// Form is the decoded body of a query-protocol request.
	Form url.Values
}

// Response is what a recorded operation answers.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Responder answers a call; it may look at the request.
type Responder func(Call) Response

// Replay is an aws.HTTPClient.
type Replay struct {
	mu         sync.Mutex
	responders map[string]Responder
	calls      []Call
}

// New returns a Replay with no recorded operations: every call answers 500 until Set.
func New() *Replay {
	return &Replay{responders: map[string]Responder{}}
}

// Config is an AWS configuration whose requests this Replay answers, with static credentials and
// no retries.
func (r *Replay) Config(region string) aws.Config {
	return aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""),
		HTTPClient:  r,
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func key(service, operation string) string { return service + " " + operation }

// Set records the response of an operation. service is the endpoint prefix (eks, ec2, events,
// sqs, monitoring, sns, secretsmanager, kms, iam, autoscaling, ecr, ssm, sts); operation is the API operation, or
// for EKS's REST API the method and path ("GET /clusters/dev").
func (r *Replay) Set(service, operation string, resp Response) {
	r.SetFunc(service, operation, func(Call) Response { return resp })
}

// SetFunc records a responder for an operation.
func (r *Replay) SetFunc(service, operation string, f Responder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.responders[key(service, operation)] = f
}

// Calls returns the calls made to an operation.
func (r *Replay) Calls(service, operation string) []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Call
	for _, c := range r.calls {
		if c.Service == service && c.Operation == operation {
			out = append(out, c)
		}
	}
	return out
}

// Do answers one request.
func (r *Replay) Do(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, fmt.Errorf("reading request body: %w", err)
		}
		body = b
	}
	call := Call{Service: service(req.URL.Host), Body: body}
	call.Operation, call.Form = operation(req, body)
	r.mu.Lock()
	r.calls = append(r.calls, call)
	f := r.responders[key(call.Service, call.Operation)]
	r.mu.Unlock()
	resp := Response{Status: http.StatusInternalServerError, Header: http.Header{"Content-Type": {"text/plain"}},
		Body: []byte("awsreplay: no recorded response for " + key(call.Service, call.Operation))}
	if f != nil {
		resp = f(call)
	}
	header := resp.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	header.Set("X-Amzn-Requestid", "4d2d5e8a-9c7e-4c43-9a4f-0f1e2d3c4b5a")
	return &http.Response{
		StatusCode:    resp.Status,
		Status:        fmt.Sprintf("%d %s", resp.Status, http.StatusText(resp.Status)),
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(resp.Body)),
		ContentLength: int64(len(resp.Body)),
		Request:       req,
	}, nil
}

// service is the endpoint prefix of an AWS host: api.ecr.<region>.amazonaws.com is ecr,
// iam.amazonaws.com is iam.
func service(host string) string {
	host = strings.TrimPrefix(host, "api.")
	name, _, _ := strings.Cut(host, ".")
	return name
}

// operation names the API operation of a request, as each protocol carries it.
func operation(req *http.Request, body []byte) (string, url.Values) {
	if target := req.Header.Get("X-Amz-Target"); target != "" { // awsJson 1.0 and 1.1
		return target[strings.LastIndex(target, ".")+1:], nil
	}
	if strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") { // query and ec2 query
		form, err := url.ParseQuery(string(body))
		if err == nil {
			return form.Get("Action"), form
		}
	}
	if i := strings.Index(req.URL.Path, "/operation/"); i >= 0 { // RPC v2 CBOR
		return req.URL.Path[i+len("/operation/"):], nil
	}
	return req.Method + " " + req.URL.EscapedPath(), nil // restJson
}

// JSON is an awsJson answer (EventBridge, SSM, Secrets Manager, KMS, ECR: 1.1; SQS: 1.0).
func JSON(version, body string) Response {
	return Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/x-amz-json-" + version}}, Body: []byte(body)}
}

// JSONError is an awsJson error answer: __type names the exception.
func JSONError(version string, status int, errType, message string) Response {
	return Response{Status: status, Header: http.Header{"Content-Type": {"application/x-amz-json-" + version}},
		Body: []byte(fmt.Sprintf(`{"__type":%q,"message":%q}`, errType, message))}
}

// RestJSON is a restJson answer (EKS).
func RestJSON(status int, body string) Response {
	return Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(body)}
}

// RestJSONError is a restJson error answer: the X-Amzn-Errortype header names the exception.
func RestJSONError(status int, errType, message string) Response {
	return Response{Status: status, Header: http.Header{"Content-Type": {"application/json"}, "X-Amzn-Errortype": {errType}},
		Body: []byte(fmt.Sprintf(`{"message":%q}`, message))}
}

// XML is a query-protocol answer (SNS, IAM, STS, EC2, Auto Scaling).
func XML(body string) Response {
	return Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"text/xml"}}, Body: []byte(body)}
}

// CBOR is an RPC v2 CBOR answer (CloudWatch).
func CBOR(body []byte) Response {
	return Response{Status: http.StatusOK, Header: http.Header{"Content-Type": {"application/cbor"}, "Smithy-Protocol": {"rpc-v2-cbor"}}, Body: body}
}
