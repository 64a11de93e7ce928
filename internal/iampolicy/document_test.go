package iampolicy

import (
	"testing"
)

func TestServiceTrustJSON(t *testing.T) {
	got, err := ServiceTrust("vpc-flow-logs.amazonaws.com", Conditions{
		"StringEquals": {"aws:SourceAccount": {"123456789012"}},
	}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Sid":"AssumedByVpcFlowLogs","Effect":"Allow",` +
		`"Principal":{"Service":["vpc-flow-logs.amazonaws.com"]},"Action":["sts:AssumeRole"],` +
		`"Condition":{"StringEquals":{"aws:SourceAccount":["123456789012"]}}}]}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	parsed, err := Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := parsed.FindStatement("AssumedByVpcFlowLogs"); !ok || s.Principal.Service[0] != "vpc-flow-logs.amazonaws.com" {
		t.Errorf("round trip lost the statement: %+v", parsed)
	}
}

func TestJSONRejectsEmptyDocuments(t *testing.T) {
	if _, err := New().JSON(); err == nil {
		t.Error("a document without statements rendered")
	}
	if _, err := New(Statement{Sid: "Nothing", Effect: Allow}).JSON(); err == nil {
		t.Error("a statement without actions rendered")
	}
}
