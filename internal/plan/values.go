package plan

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/mission-link/infra/internal/harness"
)

// Under the mocks, every value AWS would compute (IDs, ARNs, endpoints, the account ID) is a
// made-up stand-in. A plan must never show one as real: each is traced back to where it came from
// and rendered as a reference to that resource's property, or to the data source's result.

// source is where a made-up value came from: a resource's property or a data source's result.
type source struct {
	URN      string // the resource, or "" for a data source
	Name     string // the resource's name, or the data source for text
	Invoke   string // the data source's token
	Property string
}

// made is a made-up value and its source.
type made struct {
	value string
	from  source
}

// unknowns indexes the made-up values of a run.
type unknowns struct {
	byURN   map[string][]made
	invokes []made
	names   map[string]string // URN to name, for text
}

// minTokenLength keeps short values (a version "1", a port) from being taken for made-up ones.
const minTokenLength = 6

func indexUnknowns(r *harness.Record) *unknowns {
	u := &unknowns{byURN: map[string][]made{}, names: map[string]string{}}
	for _, res := range r.Resources {
		u.names[res.URN] = res.Name
		if !res.Custom {
			continue
		}
		add := func(value, property string) {
			if len(value) >= minTokenLength {
				u.byURN[res.URN] = append(u.byURN[res.URN], made{value, source{URN: res.URN, Name: res.Name, Property: property}})
			}
		}
		add(res.ID, "id")
		for _, key := range slices.Sorted(maps.Keys(res.Outputs)) {
			if _, given := res.Inputs[key]; !given {
				walkStrings(res.Outputs[key], string(key), add)
			}
		}
	}
	for _, inv := range r.Invokes {
		name := shortToken(inv.Token)
		switch inv.Token {
		case "aws:index/getCallerIdentity:getCallerIdentity":
			for _, key := range []string{"accountId", "arn", "userId"} {
				u.invokes = append(u.invokes, made{inv.Result[resource.PropertyKey(key)].StringValue(), source{Name: name, Invoke: inv.Token, Property: key}})
			}
		case "aws:ssm/getParameter:getParameter":
			// The program reads insecureValue (a public parameter's value, not marked secret).
			u.invokes = append(u.invokes, made{inv.Result["insecureValue"].StringValue(), source{Name: fmt.Sprintf("%s(%s)", name, inv.Args["name"].StringValue()), Invoke: inv.Token, Property: "insecureValue"}})
		}
	}
	// Longest first, so that an ARN is matched before the account ID inside it.
	for urn := range u.byURN {
		sortLongestFirst(u.byURN[urn])
	}
	sortLongestFirst(u.invokes)
	return u
}

func sortLongestFirst(ms []made) {
	slices.SortStableFunc(ms, func(a, b made) int { return cmp.Compare(len(b.value), len(a.value)) })
}

// shortToken turns "aws:index/getCallerIdentity:getCallerIdentity" into "aws:getCallerIdentity".
func shortToken(token string) string {
	parts := strings.Split(token, ":")
	if len(parts) != 3 {
		return token
	}
	module := strings.TrimPrefix(parts[1], "index/")
	module, _, _ = strings.Cut(module, "/")
	if strings.EqualFold(module, parts[2]) {
		return parts[0] + ":" + parts[2]
	}
	return parts[0] + ":" + module + ":" + parts[2]
}

func walkStrings(v resource.PropertyValue, path string, visit func(value, path string)) {
	switch {
	case v.IsSecret():
		walkStrings(v.SecretValue().Element, path, visit)
	case v.IsString():
		visit(v.StringValue(), path)
	case v.IsArray():
		for i, item := range v.ArrayValue() {
			walkStrings(item, fmt.Sprintf("%s[%d]", path, i), visit)
		}
	case v.IsObject():
		obj := v.ObjectValue()
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			walkStrings(obj[k], path+"."+string(k), visit)
		}
	}
}

// candidates are the made-up values an input of res can contain: those of the resources the
// input came from (for a stand-in, as the harness recorded them), and the data sources'.
func (u *unknowns) candidates(res harness.Resource, key string) []made {
	var out []made
	deps := res.PropertyDependencies[key]
	for _, urn := range deps {
		out = append(out, u.byURN[urn]...)
	}
	sortLongestFirst(out)
	return append(out, u.invokes...)
}

// jsonValue renders an input for the JSON plan: secrets as "[secret]", a made-up value as
// {"$ref": {...}}, a string built from made-up values as {"$computed": "...${<urn>.<property>}..."}.
func (u *unknowns) jsonValue(v resource.PropertyValue, cands []made) any {
	switch {
	case v.IsSecret():
		return "[secret]"
	case v.IsComputed() || v.IsOutput() && !v.OutputValue().Known:
		return map[string]any{"$unknown": true}
	case v.IsOutput():
		return u.jsonValue(v.OutputValue().Element, cands)
	case v.IsResourceReference():
		return map[string]any{"$resource": string(v.ResourceReferenceValue().URN)}
	case v.IsString():
		return u.jsonString(v.StringValue(), cands)
	case v.IsArray():
		items := make([]any, len(v.ArrayValue()))
		for i, item := range v.ArrayValue() {
			items[i] = u.jsonValue(item, cands)
		}
		return items
	case v.IsObject():
		obj := map[string]any{}
		for k, item := range v.ObjectValue() {
			obj[string(k)] = u.jsonValue(item, cands)
		}
		return obj
	case v.IsNull():
		return nil
	default:
		return v.V
	}
}

func (u *unknowns) jsonString(s string, cands []made) any {
	for _, c := range cands {
		if s == c.value {
			return map[string]any{"$ref": c.from.ref()}
		}
	}
	if replaced, changed := replaceMade(s, cands, func(c made) string { return "${" + c.from.key() + "}" }); changed {
		return map[string]any{"$computed": replaced}
	}
	return s
}

// text renders an input for the tree: a made-up value as "-> <name>" (the whole value) or
// "${<name>.<property>}" inside a string.
func (u *unknowns) text(v resource.PropertyValue, cands []made) string {
	switch {
	case v.IsSecret():
		return "[secret]"
	case v.IsComputed() || v.IsOutput() && !v.OutputValue().Known:
		return "(known after deploy)"
	case v.IsOutput():
		return u.text(v.OutputValue().Element, cands)
	case v.IsResourceReference():
		return "-> " + u.names[string(v.ResourceReferenceValue().URN)]
	case v.IsString():
		s := v.StringValue()
		for _, c := range cands {
			if s == c.value {
				return "-> " + c.from.Name
			}
		}
		replaced, _ := replaceMade(s, cands, func(c made) string { return "${" + c.from.Name + "." + c.from.Property + "}" })
		return replaced
	case v.IsArray():
		items := make([]string, len(v.ArrayValue()))
		for i, item := range v.ArrayValue() {
			items[i] = u.text(item, cands)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case v.IsObject():
		obj := v.ObjectValue()
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			parts = append(parts, fmt.Sprintf("%s=%s", k, u.text(obj[k], cands)))
		}
		return "{" + strings.Join(parts, " ") + "}"
	case v.IsNull():
		return "null"
	case v.IsNumber():
		return number(v.NumberValue())
	default:
		return fmt.Sprint(v.V)
	}
}

// number prints a number as a person writes it: 1209600, not 1.2096e+06.
func number(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// replaceMade replaces the made-up values in s in one pass from the left, the longest candidate
// first at each position, so that nothing is replaced inside a replacement already made (a
// resource's name inside a URN just inserted).
func replaceMade(s string, cands []made, with func(made) string) (string, bool) {
	var present []made
	for _, c := range cands {
		if strings.Contains(s, c.value) {
			present = append(present, c)
		}
	}
	if len(present) == 0 {
		return s, false
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		j := slices.IndexFunc(present, func(c made) bool { return strings.HasPrefix(s[i:], c.value) })
		if j < 0 {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(with(present[j]))
		i += len(present[j].value)
	}
	return b.String(), true
}

// ref is the JSON form of a source.
func (s source) ref() map[string]string {
	if s.URN != "" {
		return map[string]string{"urn": s.URN, "property": s.Property}
	}
	return map[string]string{"invoke": s.Invoke, "property": s.Property}
}

// key is the "${...}" form of a source inside a computed string.
func (s source) key() string {
	if s.URN != "" {
		return s.URN + "." + s.Property
	}
	return s.Name + "." + s.Property
}
