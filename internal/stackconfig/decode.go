package stackconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/mission-link/infra/internal/awsspec"
)

// decoder decodes the JSON text of config values strictly into the Stack struct and remembers
// which key paths the stack file set. Presence is what tells an absent key (it takes its default)
// from a key written with a zero value (`retentionInDays: 0`, `eventSource: ""`), which is kept and
// validated as written. Tracking it here, once, means a component's Args need no pointer fields
// for it: a key added to any Args struct is covered without code of its own.
type decoder struct {
	// present maps the key path of every leaf value the stack file set ("network.flowLogs.
	// retentionInDays", "tags") to the value decoded from it.
	present map[string]presentValue
	// failed are the key paths whose value could not be decoded; validation messages about them
	// would judge a value nobody wrote.
	failed map[string]bool
	// secretPaths are the top-level key paths whose values are secret.
	secretPaths map[string]bool
	// secretValues are the leaf values of secret keys, as text, for redaction.
	secretValues []string
	errs         []error
	// written finds a value as the stack file writes it, when the file is known.
	written writtenText
}

type presentValue struct {
	fields []string // JSON names from the Stack down to the leaf
	value  reflect.Value
}

func newDecoder() *decoder {
	return &decoder{present: map[string]presentValue{}, failed: map[string]bool{}, secretPaths: map[string]bool{}}
}

// decodeValue decodes raw, the JSON text of the value at path, into dst. It reports every key dst
// does not have (with the nearest known key), every value of the wrong type, and every null, each
// with its key path. A map's values and a list's items are decoded one by one, so an error names
// `tags.CostCenter` or `sshCidrs[1]`, not the whole map or list. dst is set only when its value
// decodes, so that a failed value leaves the default in place and no second, made-up error about
// a zero value follows.
func (d *decoder) decodeValue(path string, fields []string, raw []byte, dst reflect.Value, secret bool) bool {
	raw = bytes.TrimSpace(raw)
	t := dst.Type()
	if string(raw) == "null" {
		d.fail(path, fmt.Errorf("%s is empty (null): give it %s, or leave the key out for its default", path, describeType(t)))
		return false
	}
	switch t.Kind() {
	case reflect.Struct:
		return d.decodeStruct(path, fields, raw, dst, secret)
	case reflect.Pointer:
		v := reflect.New(t.Elem())
		if !d.decodeValue(path, fields, raw, v.Elem(), secret) {
			return false
		}
		dst.Set(v)
	case reflect.Slice:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			d.fail(path, typeError(path, raw, d.shownAt(path, raw, secret), t, secret))
			return false
		}
		v := reflect.MakeSlice(t, len(items), len(items))
		ok := true
		for i, item := range items {
			ok = d.decodeScalar(fmt.Sprintf("%s[%d]", path, i), item, v.Index(i), secret) && ok
		}
		if !ok {
			d.failed[path] = true
			return false
		}
		dst.Set(v)
	case reflect.Map:
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(raw, &entries); err != nil {
			d.fail(path, typeError(path, raw, d.shownAt(path, raw, secret), t, secret))
			return false
		}
		v := reflect.MakeMapWithSize(t, len(entries))
		ok := true
		for _, k := range slices.Sorted(maps.Keys(entries)) {
			item := reflect.New(t.Elem()).Elem()
			if d.decodeScalar(path+"."+k, entries[k], item, secret) {
				v.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), item)
			} else {
				ok = false
			}
		}
		if !ok {
			d.failed[path] = true
			return false
		}
		dst.Set(v)
	default:
		if !d.decodeScalar(path, raw, dst, secret) {
			return false
		}
	}
	d.markPresent(path, fields, dst) // for a pointer, replaces what its element recorded
	return true
}

func (d *decoder) markPresent(path string, fields []string, v reflect.Value) {
	copied := reflect.New(v.Type()).Elem()
	copied.Set(v)
	d.present[path] = presentValue{fields: slices.Clone(fields), value: copied}
}

// decodeScalar decodes one string, number or bool; a null item is an error like a null value.
func (d *decoder) decodeScalar(path string, raw []byte, dst reflect.Value, secret bool) bool {
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		d.fail(path, fmt.Errorf("%s is empty (null): give it %s", path, describeType(dst.Type())))
		return false
	}
	v := reflect.New(dst.Type())
	if err := json.Unmarshal(raw, v.Interface()); err != nil {
		d.fail(path, typeError(path, raw, d.shownAt(path, raw, secret), dst.Type(), secret))
		return false
	}
	dst.Set(v.Elem())
	return true
}

func (d *decoder) decodeStruct(path string, fields []string, raw []byte, dst reflect.Value, secret bool) bool {
	t := dst.Type()
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil {
		d.fail(path, fmt.Errorf("%s (%s) must be an object with the keys %s", path, shown(raw, secret), strings.Join(jsonNames(t), ", ")))
		return false
	}
	index := jsonFields(t)
	ok := true
	for _, k := range slices.Sorted(maps.Keys(object)) {
		i, known := index[k]
		if !known {
			d.errs = append(d.errs, unknownKey(path+"."+k, path, k, jsonNames(t)))
			ok = false
			continue
		}
		ok = d.decodeValue(path+"."+k, append(slices.Clone(fields), k), object[k], dst.Field(i), secret) && ok
	}
	return ok
}

func (d *decoder) fail(path string, err error) {
	d.failed[path] = true
	d.errs = append(d.errs, err)
}

// unknownKey reports a key its block does not have, with the nearest one it does.
func unknownKey(full, block, key string, names []string) error {
	if near := awsspec.Nearest(key, names); near != "" {
		return fmt.Errorf("%s is not a known key: did you mean %s.%s? (%s takes %s)", full, block, near, block, strings.Join(names, ", "))
	}
	return fmt.Errorf("%s is not a known key: %s takes %s", full, block, strings.Join(names, ", "))
}

// typeError says what a value of the wrong type is and what the key takes, with the fix for
// YAML's usual surprises: an unquoted 1.30 is the number 1.3, an unquoted yes or on is a bool,
// a quoted "3" is a string.
//
// value is raw as the error shows it (decoder.shownAt).
func typeError(path string, raw []byte, value string, want reflect.Type, secret bool) error {
	got := jsonKind(raw)
	if got == "not JSON" { // a top-level value the engine passed as plain text
		got, value = "a string", shown([]byte(strconv.Quote(string(raw))), secret)
	}
	wantText := describeType(want)
	var unquoted string
	if json.Unmarshal(raw, &unquoted) == nil && json.Unmarshal([]byte(unquoted), reflect.New(want).Interface()) != nil {
		unquoted = "" // the text inside the quotes is no better
	}
	switch {
	case want.Kind() == reflect.String && got == "a number":
		return fmt.Errorf("%s (%s) is a number but must be a string: quote it in YAML, for example \"1.30\"; unquoted, YAML reads it as a number and drops trailing zeros (1.30 becomes 1.3)", path, value)
	case want.Kind() == reflect.String && got == "true or false":
		return fmt.Errorf("%s (%s) is a boolean but must be a string: quote it in YAML (unquoted, YAML reads true, false, yes, no, on and off as booleans)", path, value)
	case isInt(want) && got == "a number":
		return fmt.Errorf("%s (%s) must be a whole number", path, value)
	case got == "a string" && want.Kind() != reflect.String && unquoted != "":
		return fmt.Errorf("%s (%s) is a string but must be %s: write it without quotes", path, value, wantText)
	case got == "a string":
		return fmt.Errorf("%s (%s) must be %s", path, value, wantText)
	}
	return fmt.Errorf("%s (%s, %s) must be %s", path, value, got, wantText)
}

func isInt(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// jsonKind names the JSON type of a value.
func jsonKind(raw []byte) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return "not JSON"
	}
	switch v.(type) {
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "true or false"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return "null"
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
	return slices.Sorted(maps.Keys(jsonFields(t)))
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
	case reflect.Struct:
		return "an object with the keys " + strings.Join(jsonNames(t), ", ")
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

// shownAt is a received value as an error shows it, a number as the stack file writes it when the
// engine rewrote it (YAML's 99999999999999999999 arrives as 100000000000000000000).
func (d *decoder) shownAt(path string, raw []byte, secret bool) string {
	if !secret && d.written != nil && jsonKind(raw) == "a number" {
		if text, ok := d.written(path); ok {
			return excerpt([]byte(text))
		}
	}
	return shown(raw, secret)
}

// shown is a received value as an error shows it: "[secret]" for a secret, else an excerpt.
func shown(raw []byte, secret bool) string {
	if secret {
		return redacted
	}
	return excerpt(raw)
}

const redacted = "[secret]"

// excerpt shows a received value in an error without flooding it.
func excerpt(raw []byte) string {
	const limit = 60
	s := strings.TrimSpace(string(raw))
	if r := []rune(s); len(r) > limit {
		return string(r[:limit]) + "..."
	}
	return s
}
