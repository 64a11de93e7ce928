package stackconfig

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/mission-link/infra/internal/awsspec"
)

// Fuzz targets. `go test` runs their seeds (testdata/fuzz/ and the f.Add calls) like unit tests;
// CI fuzzes each for a few seconds (.ci/run); fuzz longer by hand with
//
//	go test ./internal/stackconfig -run '^$' -fuzz '^FuzzValue$' -fuzztime 10m
//	go test ./internal/stackconfig -run '^$' -fuzz '^FuzzStackFile$' -fuzztime 10m

// validValues is a stack that parses: the base every fuzzed value changes.
func validValues() map[string]string {
	return map[string]string{
		"aws:region":           "ap-northeast-2",
		"mission-link:network": `{"cidrBlock":"10.20.0.0/16","availabilityZoneCount":2,"natGateways":"single","bastion":{"enabled":true}}`,
		"mission-link:cluster": `{"version":"1.35","publicAccessCidrs":["198.51.100.0/24"],"nodeGroup":{"instanceTypes":["t3.medium"],"minSize":1,"maxSize":2}}`,
		"mission-link:ci":      `{"githubRepository":"mission-link/mission-link","infraRepository":"mission-link/mission-link-infra"}`,
		"mission-link:secrets": `{"database":{"host":"db.internal"}}`,
		"mission-link:tags":    `{"Environment":"dev"}`,
	}
}

// FuzzValue sets one config key, chosen by index among Keys(), to arbitrary JSON text on a valid
// stack: Parse never panics, answers the same twice, names the key when it refuses it, and
// never prints the value when the key is stored as a secret.
func FuzzValue(f *testing.F) {
	for i, v := range []string{`0`, `""`, `null`, `-1`, `2.5`, `"1.30"`, `1.30`, `[]`, `{}`, `"pеrAz"`, `["0.0.0.0/1","128.0.0.0/1"]`, `{"a":1}`, `true`, `"x"`} {
		f.Add(i*7, v)
	}
	keys := Keys()
	f.Fuzz(func(t *testing.T, index int, raw string) {
		key := keys[((index%len(keys))+len(keys))%len(keys)]
		values, top := withValue(t, key.Path, raw)
		if values == nil {
			return
		}
		err := parseTwice(t, values)
		if err == nil {
			return
		}
		checkProblems(t, err)
		leaf := key.Path[strings.LastIndexAny(key.Path, ".:")+1:]
		if !strings.Contains(err.Error(), leaf) && !strings.Contains(err.Error(), top) {
			t.Errorf("refusing %s = %s, the error does not name it:\n%v", key.Path, raw, err)
		}
		_, secretErr := Parse("mission-link", "dev", Input{Values: values, SecretKeys: []string{top}, Date: testDate})
		checkNoSecret(t, secretErr, values[top])
	})
}

// FuzzStackFile decodes arbitrary stack file text as the engine would flatten it: Parse never
// panics, answers the same twice, reports problems led by their key paths, and prints no value
// of a key stored as a secret.
func FuzzStackFile(f *testing.F) {
	f.Add("config:\n  aws:region: ap-northeast-2\n  mission-link:network:\n    natGateway: perAz\n")
	f.Add("config:\n  mission_link:protectStatefulResources: true\n  misison-link:tags: {a: b}\n")
	f.Add("config:\n  aws:region: ap-northeast-2\n  mission-link:cluster:\n    version: 1.30\n    nodeGroup: {maxSize: 2.5, minSize: 3}\n")
	f.Add("config:\n  aws:region: eu-wset-1\n  mission-link:tags: {CostCenter: 42, aws:x: y}\n")
	f.Add("mission-link:network: {}\n")
	f.Fuzz(func(t *testing.T, text string) {
		var file struct {
			Config map[string]any `json:"config"`
		}
		if yaml.Unmarshal([]byte(text), &file) != nil {
			return
		}
		values := map[string]string{}
		var secrets []string
		for k, v := range file.Config {
			if s, ok := v.(string); ok {
				values[k] = s
			} else if b, err := json.Marshal(v); err == nil {
				values[k] = string(b)
			}
			secrets = append(secrets, k)
		}
		err := parseTwice(t, values)
		if err == nil {
			return
		}
		checkProblems(t, err)
		_, secretErr := Parse("mission-link", "dev", Input{Values: values, SecretKeys: secrets, Date: testDate})
		for _, k := range secrets {
			checkNoSecret(t, secretErr, values[k])
		}
	})
}

// parseTwice parses values twice and fails the test unless both answers are the same.
func parseTwice(t *testing.T, values map[string]string) error {
	t.Helper()
	_, err := Parse("mission-link", "dev", Input{Values: values, Date: testDate})
	_, again := Parse("mission-link", "dev", Input{Values: values, Date: testDate})
	if fmt.Sprint(err) != fmt.Sprint(again) {
		t.Fatalf("two parses differ:\n%v\n%v", err, again)
	}
	return err
}

// withValue returns validValues with the key at path set to raw, and the top-level key.
func withValue(t *testing.T, path, raw string) (map[string]string, string) {
	t.Helper()
	values := validValues()
	if strings.Contains(path, ":") {
		values[path] = raw
		return values, path
	}
	top, below, nested := strings.Cut(path, ".")
	key := "mission-link:" + top
	if !nested {
		values[key] = raw
		return values, key
	}
	if !json.Valid([]byte(raw)) {
		return nil, ""
	}
	var object map[string]any
	if text, ok := values[key]; ok {
		if err := json.Unmarshal([]byte(text), &object); err != nil {
			t.Fatal(err)
		}
	} else {
		object = map[string]any{}
	}
	parts := strings.Split(below, ".")
	m := object
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = json.RawMessage(raw)
	b, err := json.Marshal(object)
	if err != nil {
		return nil, ""
	}
	values[key] = string(b)
	return values, key
}

// checkProblems: the error is an *Error, and each problem is a line of printable ASCII.
func checkProblems(t *testing.T, err error) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || len(e.Problems) == 0 {
		t.Fatalf("not a config error: %v", err)
	}
	for _, p := range e.Problems {
		if p == "" || strings.ContainsAny(p, "\n\r") || strings.ContainsFunc(p, func(r rune) bool { return r > 0x7e || (r < 0x20 && r != '\t') }) {
			t.Errorf("problem %q is not one line of printable ASCII", p)
		}
	}
}

// wordsOfTheProgram are texts an error may print whatever the secret: key names, region and
// instance type names, and the examples messages show.
var wordsOfTheProgram = func() string {
	var words []string
	for _, k := range Keys() {
		words = append(words, k.Path)
	}
	words = append(words, awsspec.Regions()...)
	for typ := range awsspec.InstanceTypes {
		words = append(words, typ)
	}
	words = append(words, awsspec.ExampleRoleARN)
	return strings.Join(words, " ")
}()

// checkNoSecret: no string in the secret value of eight characters or more appears in the error,
// unless the program itself has that text (a value such as "natGateways" may match a key name).
func checkNoSecret(t *testing.T, err error, raw string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, leaf := range secretLeaves(raw) {
		if len(leaf) >= 8 && strings.Contains(err.Error(), leaf) && !strings.Contains(wordsOfTheProgram, leaf) &&
			!slices.ContainsFunc(strings.Split(err.Error(), " "), func(w string) bool { return w == leaf && len(w) < 3 }) {
			t.Errorf("the error prints the secret %q:\n%v", leaf, err)
		}
	}
}
