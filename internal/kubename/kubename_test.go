package kubename

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	for value, ok := range map[string]bool{
		"mission-link": true, "a": true, "0": true, strings.Repeat("a", 63): true,
		"": false, strings.Repeat("a", 64): false, "-app": false, "app-": false, "Mission": false, "mission_link": false, "a.b": false,
	} {
		err := Check("app.namespace", value)
		if (err == nil) != ok {
			t.Errorf("Check(%q) = %v, want ok=%v", value, err, ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), `app.namespace ("`+value+`")`) {
			t.Errorf("Check(%q) does not lead with the key and value: %v", value, err)
		}
	}
}
