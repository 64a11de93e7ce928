package stackconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Error is an invalid stack config: every problem found, each led by the key path as it is written
// in Pulumi.<stack>.yaml. No problem quotes a secret value, and values are printed with every
// character outside printable ASCII escaped, so a look-alike (a Cyrillic "а" in "single") never
// prints like the valid value.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	noun := "problems"
	if len(e.Problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("invalid stack config, %d %s:\n  %s", len(e.Problems), noun, strings.Join(e.Problems, "\n  "))
}

// restore puts every value the stack file set back over what WithDefaults filled in: a key that
// is written keeps its value, zero or not, and validation judges it as written.
func (d *decoder) restore(s *Stack) {
	for _, path := range slices.Sorted(maps.Keys(d.present)) {
		p := d.present[path]
		if len(p.fields) == 0 {
			continue // aws: keys live outside the JSON names
		}
		if field, ok := fieldAt(reflect.ValueOf(s).Elem(), p.fields); ok {
			field.Set(p.value)
		}
	}
}

// replacedByDefaults reports a written value that a component's WithDefaults would still replace
// with its default: components fill defaults again when they are built, and a zero that passes
// validation must not be turned into something else there. It guards keys added later as much
// as today's: such a key needs a pointer field (as `cluster.nodeGroup.minSize` has) or a
// validation that rejects the zero.
func (d *decoder) replacedByDefaults(s Stack, project, stack string, reported []error) []error {
	again := s.WithDefaults(project, stack)
	var errs []error
	for _, path := range slices.Sorted(maps.Keys(d.present)) {
		p := d.present[path]
		if len(p.fields) == 0 || slices.ContainsFunc(reported, func(err error) bool { return under(leadingPath(err.Error()), path) }) {
			continue // aws: keys live outside the JSON names; a reported value needs no second message
		}
		field, ok := fieldAt(reflect.ValueOf(&again).Elem(), p.fields)
		if ok && !reflect.DeepEqual(field.Interface(), p.value.Interface()) {
			errs = append(errs, fmt.Errorf("%s (%s) cannot be written as it is: the program would replace it with its default (%s); leave the key out for the default",
				path, describe(p.value), describe(field)))
		}
	}
	return errs
}

// fieldAt walks a struct by JSON names.
func fieldAt(v reflect.Value, names []string) (reflect.Value, bool) {
	for _, name := range names {
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		i, ok := jsonFields(v.Type())[name]
		if !ok {
			return reflect.Value{}, false
		}
		v = v.Field(i)
	}
	return v, true
}

func describe(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "unset"
		}
		v = v.Elem()
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return fmt.Sprint(v.Interface())
	}
	return string(b)
}

// flatten splits joined errors into their problems, one message each.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range joined.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// unshadowed drops validation messages about a key whose value did not decode: they would judge
// the default that stood in for it (`maxSize (2)` after `maxSize (2.5) must be a whole number`).
func (d *decoder) unshadowed(errs []error) []error {
	var out []error
	for _, err := range errs {
		if !d.shadowed(err.Error()) {
			out = append(out, err)
		}
	}
	return out
}

func (d *decoder) shadowed(msg string) bool {
	lead := leadingPath(msg)
	for failed := range d.failed {
		if under(lead, failed) || strings.Contains(msg, failed+" ") {
			return true
		}
		parent, leaf := splitPath(failed)
		if leadParent, _ := splitPath(lead); leadParent == parent && strings.Contains(msg, " "+leaf+" (") {
			return true
		}
	}
	return false
}

// leadingPath is the key path a message starts with ("cluster.nodeGroup.instanceTypes[0]").
func leadingPath(msg string) string {
	end := strings.IndexByte(msg, ' ')
	if end < 0 {
		end = len(msg)
	}
	return strings.TrimSuffix(msg[:end], ":")
}

// under says whether path is base or a key below it.
func under(path, base string) bool {
	return path == base || strings.HasPrefix(path, base+".") || strings.HasPrefix(path, base+"[")
}

func splitPath(path string) (parent, leaf string) {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i], path[i+1:]
	}
	return "", path
}

// report turns the problems into an *Error: secret values redacted, odd characters escaped.
func (d *decoder) report(problems []error) *Error {
	e := &Error{}
	for _, p := range problems {
		e.Problems = append(e.Problems, escapeNonASCII(d.redact(p.Error())))
	}
	return e
}

// redact hides secret values in a message. A message about a key under a secret key shows
// "[secret]" in place of the value after its key path, and every leaf value of a secret key is
// replaced wherever else it appears, in any of the forms a message may print it.
func (d *decoder) redact(msg string) string {
	lead := leadingPath(msg)
	for secret := range d.secretPaths {
		if under(lead, secret) {
			msg = redactLeadingValue(msg, lead)
			break
		}
	}
	for _, v := range d.secretValues {
		for _, form := range secretForms(v) {
			msg = replaceWhole(msg, form)
		}
	}
	return msg
}

// replaceWhole replaces each occurrence of value in msg that does not stand inside a longer word:
// a secret "instance" is hidden where a message prints it, not inside the key name
// "instanceType", which would leave the message unreadable and hide nothing. A value that starts
// or ends with a digit is hidden inside words too: a hint may print a number with more digits
// ("1.30" for a secret 1.3).
func replaceWhole(msg, value string) string {
	if value == "" {
		return msg
	}
	var b strings.Builder
	for {
		i := strings.Index(msg, value)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		end := i + len(value)
		inWord := (i > 0 && isWordByte(msg[i-1]) && isLetter(value[0])) ||
			(end < len(msg) && isWordByte(msg[end]) && isLetter(value[len(value)-1]))
		b.WriteString(msg[:i])
		if inWord {
			b.WriteString(value)
		} else {
			b.WriteString(redacted)
		}
		msg = msg[end:]
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// redactLeadingValue replaces the parenthesised value after the leading key path:
// `secrets.database.host ("x") must ...` becomes `secrets.database.host ([secret]) must ...`.
func redactLeadingValue(msg, lead string) string {
	rest := msg[len(lead):]
	if !strings.HasPrefix(rest, " (") {
		return msg
	}
	body := rest[2:]
	end := -1
	if strings.HasPrefix(body, `"`) {
		if quoted, err := strconv.QuotedPrefix(body); err == nil && strings.HasPrefix(body[len(quoted):], ")") {
			end = len(quoted)
		}
	}
	if end < 0 {
		depth := 0
		for i, r := range body {
			if r == '(' {
				depth++
			} else if r == ')' {
				if depth == 0 {
					end = i
					break
				}
				depth--
			}
		}
	}
	if end < 0 {
		return msg[:len(lead)] + " (" + redacted + ")"
	}
	return msg[:len(lead)] + " (" + redacted + body[end:]
}

// secretLeaves are the scalar values inside a secret config value, as text.
func secretLeaves(raw string) []string {
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		v = raw // a plain string
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			out = append(out, t)
		case float64:
			out = append(out, strconv.FormatFloat(t, 'f', -1, 64))
		case []any:
			for _, item := range t {
				walk(item)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				walk(t[k])
			}
		}
	}
	walk(v)
	if s, ok := v.(string); !ok || s != raw {
		out = append(out, raw)
	}
	return out
}

// secretForms are the ways a message may print a secret value: as it is, quoted by %q or %+q
// (without the quotes), and escaped. Values shorter than three characters are left alone:
// redacting "0" or "no" everywhere would garble every message and hide nothing.
func secretForms(v string) []string {
	if utf8.RuneCountInString(v) < 3 {
		return nil
	}
	forms := []string{v, strconv.Quote(v), strconv.QuoteToASCII(v)}
	forms = append(forms, strings.Trim(strconv.Quote(v), `"`), strings.Trim(strconv.QuoteToASCII(v), `"`))
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) }) // longest first
	return slices.Compact(forms)
}

// escapeNonASCII prints every character outside printable ASCII as a Go escape (\u0430).
func escapeNonASCII(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var _ error = (*Error)(nil)

// AsError returns the *Error in err's chain, if there is one.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
