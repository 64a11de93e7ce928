package e2e

import (
	"os"
	"os/signal"
	"syscall"
)

// Interrupt stops the run after its current step; Lifecycle then returns ErrInterrupted and the
// registered Cleanup destroys the stack. The running Pulumi command is not killed: killing it in
// the middle of a create would leave a resource in AWS that the state does not know. From a
// terminal, Ctrl-C reaches Pulumi too (it runs in the test's process group), and Pulumi ends its
// operation early and cleanly by itself.
//
// During the cleanup, a signal stops it after the destroy in progress (which Pulumi, given the
// same Ctrl-C, ends early): no second attempt, and what is left is listed.
func (r *Run) Interrupt(sig os.Signal) {
	if r.interrupted.Swap(true) {
		return
	}
	if r.cleaning.Load() {
		r.cleanupInterrupted.Store(true)
		r.printf("\n%v during the cleanup: no further destroy attempt; what is left will be listed. A second signal ends the test at once.\n", sig)
		return
	}
	r.printf("\n%v: stopping after the current step, then destroying and removing stack %s. A second signal ends the test at once and leaves the stack up.\n",
		sig, r.stack.Name())
}

// Interrupted says whether Interrupt was called.
func (r *Run) Interrupted() bool { return r.interrupted.Load() }

// NotifySignals makes the first SIGINT or SIGTERM interrupt the run instead of ending the process
// (which would skip the cleanup and leave the stack up), and gives the next one back its default
// action, so that a second Ctrl-C still quits at once. Call stop when the run is over.
func (r *Run) NotifySignals() (stop func()) {
	signals := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case sig := <-signals:
			signal.Stop(signals)
			r.Interrupt(sig)
		case <-done:
		}
	}()
	stopped := false
	return func() {
		if stopped {
			return
		}
		stopped = true
		signal.Stop(signals)
		close(done)
	}
}
