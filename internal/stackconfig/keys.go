package stackconfig

import (
	"encoding/json"
	"reflect"
)

// KeyInfo is one key a stack file can set.
type KeyInfo struct {
	// Path is the key as a stack file writes it: "aws:region", or a path below the project's
	// namespace such as "network.flowLogs.retentionInDays".
	Path string
	// Default is the value an absent key takes, as JSON ("30", "\"single\"", "[\"t3.medium\"]"),
	// or "" when there is none (a required key, or one whose default is computed).
	Default string
}

// Keys are every key the program reads, in the order of the Stack struct: the aws: keys, then
// each leaf under the project's namespace. Tests use it to prove that each key has a bad-input
// case and that docs/configuration.md names each key with its default.
func Keys() []KeyInfo {
	keys := []KeyInfo{{Path: RegionKey}, {Path: ProfileKey}, {Path: AllowedAccountIDsKey}}
	defaults := Stack{}.WithDefaults("<project>", "<stack>")
	walkKeys("", reflect.ValueOf(defaults), &keys)
	return keys
}

func walkKeys(prefix string, v reflect.Value, keys *[]KeyInfo) {
	t := v.Type()
	for i := range t.NumField() {
		name := t.Field(i).Tag.Get("json")
		if name == "" || name == "-" {
			continue
		}
		path := name
		if prefix != "" {
			path = prefix + "." + name
		}
		field := v.Field(i)
		if field.Kind() == reflect.Struct {
			walkKeys(path, field, keys)
			continue
		}
		*keys = append(*keys, KeyInfo{Path: path, Default: defaultText(field)})
	}
}

// defaultText renders a default as JSON; zero values of strings, lists and maps read as none.
func defaultText(v reflect.Value) string {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if (v.Kind() == reflect.String || v.Kind() == reflect.Slice || v.Kind() == reflect.Map) && v.Len() == 0 {
		return ""
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return ""
	}
	return string(b)
}
