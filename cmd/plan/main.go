// Command plan shows what a stack would create, what it would cost and what a security reviewer
// would flag, with no AWS account and no Pulumi CLI: it runs the real program for a stack file
// under the test harness's mocks.
//
//	go run ./cmd/plan --stack dev
//	go run ./cmd/plan --stack prod --json plan-prod.json --markdown summary.md
//	go run ./cmd/plan --stack dev --mermaid docs/architecture.md
//
// Exit codes: 0 the plan passed; 1 the stack config is invalid or cannot be read (as `pulumi up`
// would fail); 2 a HIGH finding is not accepted; 3 an output file could not be written (then
// none of them is); 64 the command line is wrong (EX_USAGE of sysexits.h).
package main

import (
	"os"

	"github.com/mission-link/infra/internal/plan"
)

func main() {
	os.Exit(plan.Main(os.Args[1:], os.Stdout, os.Stderr))
}
