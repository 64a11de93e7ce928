// Package messagingargs is the configuration of events and notifications (`messaging:`): its Args,
// their defaults and their validation, which stackconfig decodes the stack file into and
// messaging.NewMessaging takes.
//
// It is a package apart from messaging, and imports neither the Pulumi SDK nor a provider SDK, so
// that what reads and checks config builds in seconds: stackconfig's tests, and its fuzz targets,
// whose coverage instrumentation recompiles everything they link.
// (eksctl keeps its config types apart from its builders the same way:
// pkg/apis/eksctl.io/v1alpha5 beside pkg/cfn/builder.)
package messagingargs

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// ConfigKey is where MessagingArgs lives in Pulumi.<stack>.yaml.
const ConfigKey = "messaging"

// Defaults, named so that docs, config and code agree. The retry defaults are EventBridge's own
// maximums: a target that is down for up to a day loses nothing.
const (
	DefaultEventSource               = "mission-link"
	DefaultMaximumRetryAttempts      = 185
	DefaultMaximumEventAgeInSeconds  = 86400
	DefaultDeadLetterRetentionInDays = 14
)

// MessagingArgs configures the app's events and notifications. Its JSON names are the keys of
// the stack's `messaging:` config block.
type MessagingArgs struct {
	// EventSource is the `source` the app puts on its events; the rule matches exactly it.
	// Default "mission-link".
	EventSource string `json:"eventSource"`
	// NotificationEmails are subscribed to the topic, one subscription per address.
	NotificationEmails []string `json:"notificationEmails"`
	// MaximumRetryAttempts of a failed delivery to the topic, 0-185. Default 185.
	MaximumRetryAttempts *int `json:"maximumRetryAttempts"`
	// MaximumEventAgeInSeconds after which EventBridge stops retrying, 60-86400. Default 86400.
	MaximumEventAgeInSeconds int `json:"maximumEventAgeInSeconds"`
	// DeadLetterRetentionInDays keeps undelivered events in the dead-letter queue, 1-14. Default 14.
	DeadLetterRetentionInDays int `json:"deadLetterRetentionInDays"`

	// Protect protects the dead-letter queue and the key. Set by the program.
	Protect bool `json:"-"`
}

// WithDefaults returns a copy with every unset field filled with its default.
func (a MessagingArgs) WithDefaults() MessagingArgs {
	if a.EventSource == "" {
		a.EventSource = DefaultEventSource
	}
	if a.MaximumRetryAttempts == nil {
		retries := DefaultMaximumRetryAttempts
		a.MaximumRetryAttempts = &retries
	}
	if a.MaximumEventAgeInSeconds == 0 {
		a.MaximumEventAgeInSeconds = DefaultMaximumEventAgeInSeconds
	}
	if a.DeadLetterRetentionInDays == 0 {
		a.DeadLetterRetentionInDays = DefaultDeadLetterRetentionInDays
	}
	return a
}

// Validate reports every problem with defaulted args at once, each led by its key path.
func (a MessagingArgs) Validate() error {
	var errs []error
	switch s := a.EventSource; {
	case len(s) > 256 || strings.TrimSpace(s) != s || s == "":
		errs = append(errs, fmt.Errorf("%s.eventSource (%q) must be 1-256 characters without surrounding spaces", ConfigKey, s))
	case strings.HasPrefix(s, "aws."):
		errs = append(errs, fmt.Errorf("%s.eventSource (%q): sources starting with aws. are reserved for AWS services", ConfigKey, s))
	}
	seen := map[string]int{}
	for i, addr := range a.NotificationEmails {
		key := fmt.Sprintf("%s.notificationEmails[%d]", ConfigKey, i)
		parsed, err := mail.ParseAddress(addr)
		switch {
		case err != nil || parsed.Address != addr || !strings.Contains(addr[strings.LastIndex(addr, "@")+1:], "."):
			errs = append(errs, fmt.Errorf("%s (%q) is not an email address such as ops@example.com", key, addr))
		default:
			if first, dup := seen[strings.ToLower(addr)]; dup {
				errs = append(errs, fmt.Errorf("%s (%q) repeats %s.notificationEmails[%d] (%q): each address is subscribed once",
					key, addr, ConfigKey, first, a.NotificationEmails[first]))
			} else {
				seen[strings.ToLower(addr)] = i
			}
		}
	}
	if r := *a.MaximumRetryAttempts; r < 0 || r > DefaultMaximumRetryAttempts {
		errs = append(errs, fmt.Errorf("%s.maximumRetryAttempts (%d) must be from 0 to %d", ConfigKey, r, DefaultMaximumRetryAttempts))
	}
	if age := a.MaximumEventAgeInSeconds; age < 60 || age > DefaultMaximumEventAgeInSeconds {
		errs = append(errs, fmt.Errorf("%s.maximumEventAgeInSeconds (%d) must be from 60 to %d", ConfigKey, age, DefaultMaximumEventAgeInSeconds))
	}
	if days := a.DeadLetterRetentionInDays; days < 1 || days > 14 {
		errs = append(errs, fmt.Errorf("%s.deadLetterRetentionInDays (%d) must be from 1 to 14, the longest SQS keeps a message", ConfigKey, days))
	}
	return errors.Join(errs...)
}
