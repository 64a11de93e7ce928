// Package validationtest runs the table test every config block has: a valid value, changed one
// way per case, must be rejected with an error that names the key path, the value and what is
// allowed.
package validationtest

import (
	"strings"
	"testing"
)

// Case breaks a valid value one way.
type Case[T any] struct {
	Name   string
	Mutate func(*T)
	// Want are substrings the error must contain: the key path and the value, at least.
	Want []string
}

// Rejects runs each case as a subtest: validate must fail on the mutated value and mention every
// Want.
func Rejects[T any](t *testing.T, valid func() T, validate func(T) error, cases []Case[T]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			v := valid()
			tc.Mutate(&v)
			err := validate(v)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range tc.Want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// Reject is a case: mutate breaks the value, and the error must mention each of want.
func Reject[T any](name string, mutate func(*T), want ...string) Case[T] {
	return Case[T]{Name: name, Mutate: mutate, Want: want}
}
