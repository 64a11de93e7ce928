//go:build tools

// This file is never compiled: the build tag keeps it out of every build, while `go mod tidy`
// (which reads all tags but "ignore") keeps pulumi-eks's Go SDK in go.mod. Two readers need it
// there: the Go language host, which finds the eks plugin and its version among go.mod's
// requirements, so `pulumi up` and `pulumi install` install the plugin before the program runs;
// and controlplane_test.go, which pins this package's binding against the SDK's source.

package controlplane

import _ "github.com/pulumi/pulumi-eks/sdk/v2/go/eks"
