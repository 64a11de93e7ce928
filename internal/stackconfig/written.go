package stackconfig

import (
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// writtenText finds values as the stack file writes them. The engine hands the program JSON that
// the CLI re-encoded from the file's YAML, which rewrites numbers: `maxSize: 99999999999999999999`
// reaches the program as 100000000000000000000. An error quotes the value as written, so it reads
// the file itself; without one (config from the command line or an environment) it has nothing.
type writtenText func(path string) (string, bool)

// pathSegment is one step of a config path: a key, then list indexes ("sshCidrs[1]").
var (
	pathSegment = regexp.MustCompile(`^([^\[\]]+)((?:\[\d+\])*)$`)
	listIndex   = regexp.MustCompile(`\d+`)
)

// writtenIn reads stackFile's `config:` block. A path is as errors name it: "cluster.nodeGroup.
// maxSize" under the project's namespace, or an aws: key ("aws:allowedAccountIds[0]").
func writtenIn(stackFile, project string) writtenText {
	if stackFile == "" {
		return nil
	}
	data, err := os.ReadFile(stackFile)
	if err != nil {
		return nil
	}
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	config := child(doc.Content[0], "config")
	return func(path string) (string, bool) {
		node := config
		for i, segment := range strings.Split(path, ".") {
			m := pathSegment.FindStringSubmatch(segment)
			if m == nil || node == nil {
				return "", false
			}
			key := m[1]
			if i == 0 && !strings.Contains(key, ":") {
				key = project + ":" + key
			}
			node = child(node, key)
			for _, index := range listIndex.FindAllString(m[2], -1) {
				n, _ := strconv.Atoi(index)
				if node == nil || node.Kind != yaml.SequenceNode || n >= len(node.Content) {
					return "", false
				}
				node = node.Content[n]
			}
		}
		if node == nil || node.Kind != yaml.ScalarNode {
			return "", false
		}
		return node.Value, true
	}
}

// child is the value of key in a YAML mapping, or nil.
func child(node *yaml.Node, key string) *yaml.Node {
	if node == nil || node.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == key {
			return node.Content[i+1]
		}
	}
	return nil
}
