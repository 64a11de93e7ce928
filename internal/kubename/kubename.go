// Package kubename checks Kubernetes object names where config or code chooses them: the app's
// namespace and service account, and those an IRSA role is bound to.
package kubename

import (
	"fmt"
	"regexp"
)

var dns1123Label = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)

// Check reports a value that is not a Kubernetes name (an RFC 1123 label, as namespaces and
// service accounts are) under the key.
func Check(key, value string) error {
	if dns1123Label.MatchString(value) {
		return nil
	}
	return fmt.Errorf("%s (%q) must be a Kubernetes name: lowercase letters, digits and '-', at most 63", key, value)
}
