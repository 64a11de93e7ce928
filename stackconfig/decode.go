package stackconfig

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// decodeStrict decodes the JSON text of a config value into dst, reporting every key that dst
// does not have and every value of the wrong type, each with its key path. Pulumi passes
// structured config to the program as JSON; encoding/json alone would drop unknown keys silently
// and stop at the first type error.
//
// A secret value is never quoted in an error.
func decodeStrict(path string, raw []byte, dst reflect.Value, secret bool) []error {
	t := dst.Type()
	shown := excerpt(raw)
	if secret {
		shown = "[secret]"
	}
	if t.Kind() != reflect.Struct {
		if err := json.Unmarshal(raw, dst.Addr().Interface()); err != nil {
			return []error{fmt.Errorf("%s (%s) must be %s", path, shown, describeType(t))}
		}
		return nil
	}
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil {
		return []error{fmt.Errorf("%s (%s) must be an object with the keys %s", path, shown, strings.Join(jsonNames(t), ", "))}
	}
	fields := jsonFields(t)
	keys := make([]string, 0, len(object))
	for k := range object {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var errs []error
	for _, k := range keys {
		index, ok := fields[k]
		if !ok {
			errs = append(errs, fmt.Errorf("%s.%s is not a known key: %s takes %s", path, k, path, strings.Join(jsonNames(t), ", ")))
			continue
		}
		errs = append(errs, decodeStrict(path+"."+k, object[k], dst.Field(index), secret)...)
	}
	return errs
}

// jsonFields maps a struct's JSON names to field indexes, leaving out fields tagged "-".
func jsonFields(t reflect.Type) map[string]int {
	fields := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = i
		}
	}
	return fields
}

func jsonNames(t reflect.Type) []string {
	names := make([]string, 0, t.NumField())
	for name := range jsonFields(t) {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + plural(describeType(t.Elem()))
	case reflect.Map:
		return "a map of " + plural(describeType(t.Elem()))
	default:
		return "a " + t.String()
	}
}

func plural(description string) string {
	switch description {
	case "a string":
		return "strings"
	case "a whole number":
		return "whole numbers"
	default:
		return description
	}
}

// excerpt shows a received value in an error without flooding it.
func excerpt(raw []byte) string {
	const limit = 60
	s := strings.TrimSpace(string(raw))
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}
