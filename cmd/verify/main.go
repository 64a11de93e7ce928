// Command verify proves a deployed stack works, after `pulumi up`:
//
//	go run ./cmd/verify --stack dev
//
// It prints one line per check (PASS, WARN, FAIL or SKIP; for a problem its likely cause and the
// fix), a summary, and with --json FILE the same as JSON. It exits 0 when no check fails, 1 when
// one does, 2 when it could not run. Ctrl-C stops it and deletes what the storage probe created.
// docs/verify.md lists the checks and the permissions they need.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mission-link/infra/internal/verify"
	"github.com/mission-link/infra/internal/verify/stackoutputs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := verify.DefaultEnv()
	env.Stdout, env.Stderr = os.Stdout, os.Stderr
	env.ReadStackOutputs = stackoutputs.Read
	code := verify.Run(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}
