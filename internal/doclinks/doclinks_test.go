package doclinks

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// root is the repository, relative to this package's directory.
const root = "../.."

// skippedDirs are never part of the repository's content: git's own, and the tools and binaries
// that .ci/run and the documented `go build -o bin/...` commands write (both in .gitignore).
var skippedDirs = map[string]bool{".git": true, ".bin": true, "bin": true}

// pathExtensions are the extensions of the files this repository holds that the documentation
// names: a code span ending in one of them names a file.
var pathExtensions = []string{".go", ".md", ".yml", ".yaml", ".json", ".sh", ".mod", ".sum"}

// TestDocLinks checks every relative link of README.md and docs/*.md: the file or directory it
// points at exists in the repository, and a heading anchor (#...) names a heading of the target
// Markdown file by GitHub's rules (lowercase; spaces become hyphens; punctuation other than
// hyphens and underscores is dropped; a repeated heading gets -1, -2, ...). Links to a URL with a
// scheme (https:, mailto:) are not followed. Links and code inside fenced code blocks are ignored.
func TestDocLinks(t *testing.T) {
	repo := scanRepository(t)
	for _, doc := range documents(t) {
		for _, l := range doc.links {
			if err := repo.checkLink(doc, l.target); err != nil {
				t.Errorf("%s:%d: link %s: %v", doc.name, doc.line(l.start), l.target, err)
			}
		}
	}
}

// TestDocPaths checks every repository path the documentation names in backticks exists.
//
// A code span counts as a repository path when it
//   - has no whitespace and none of < > * ? [ ] { } $ | = @ # , ~ or "..." (commands,
//     placeholders such as <stack>, globs, key=value pairs, versions and addresses are skipped);
//   - has no ":" (URLs and other schemes, ARNs, config keys such as aws:region, image:tag);
//   - does not start with "-" (a flag) or "/" (a path on a machine or in a bucket);
//   - has a first segment without a dot after its first character, so Go import paths, hosts and
//     addresses (github.com/..., sigs.k8s.io/..., eks.amazonaws.com/role-arn, 10.0.0.0/16) are
//     skipped while .github/ and .ci/ are not;
//   - and either ends in an extension of the files this repository holds (.go, .md, .yml, .yaml,
//     .json, .sh, .mod, .sum), or has a slash and starts with a segment that names a directory
//     somewhere in the repository. So `internal/plan/rules.go`, `deploy/overlays/dev` and a stale
//     `plan/` (now internal/plan/) are checked, while AWS and Kubernetes names with a slash
//     (`aws/secretsmanager`, `service-role/...`, `policy/v1`) are not.
//
// A code span that is the text of a link to a URL names a file of another repository and is not
// checked (the link says which). A leading "./" is dropped. A Go identifier qualified by its
// package's path (`internal/verify.Run`) names that package's directory. A span with a slash is
// looked up from the repository root; a bare file name must exist at the root or, by that name,
// anywhere in the repository (`kustomization.yaml`).
func TestDocPaths(t *testing.T) {
	repo := scanRepository(t)
	for _, doc := range documents(t) {
		for _, span := range doc.spans {
			if doc.inExternalLink(span.start) || !repo.namesPath(span.text) {
				continue
			}
			if !repo.exists(span.text) {
				t.Errorf("%s:%d: `%s` is not a path in the repository", doc.name, doc.line(span.start), span.text)
			}
		}
	}
}

// TestReadmeIndexesEveryDoc: every page in docs/ is linked from README.md, so none is orphaned.
func TestReadmeIndexesEveryDoc(t *testing.T) {
	linked := map[string]bool{}
	for _, doc := range documents(t) {
		if doc.name != "README.md" {
			continue
		}
		for _, l := range doc.links {
			if target, _, ok := relativeTarget(doc.name, l.target); ok {
				linked[target] = true
			}
		}
	}
	for _, doc := range documents(t) {
		if strings.HasPrefix(doc.name, "docs/") && !linked[doc.name] {
			t.Errorf("README.md does not link %s", doc.name)
		}
	}
}

// TestNoOutsideNotes: no file of the repository refers to the notes the project was started from,
// which are not in it; a reader could not follow the reference.
func TestNoOutsideNotes(t *testing.T) {
	needle := []byte("CONTEXT" + ".md")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skippedDirs[d.Name()] {
				return filepath.SkipDir
			}
			return nil
		}
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if i := bytes.Index(text, needle); i >= 0 {
			name, _ := filepath.Rel(root, p)
			t.Errorf("%s:%d refers to %s, which is not in the repository: say what it says instead", filepath.ToSlash(name), bytes.Count(text[:i], []byte("\n"))+1, needle)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSlug pins the anchor rules on headings of this repository's kind.
func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Deploying for real":                                     "deploying-for-real",
		"Why every `pulumi up` carries `--refresh`":              "why-every-pulumi-up-carries---refresh",
		"The JSON plan (`--json`): the contract":                 "the-json-plan---json-the-contract",
		"`.ci/run`: every check, in one command":                 "cirun-every-check-in-one-command",
		"The kubeconfig and `aws:profile`":                       "the-kubeconfig-and-awsprofile",
		"Node group: `aws.eks.NodeGroup`, not [x](y) snake_case": "node-group-awseksnodegroup-not-x-snake_case",
	} {
		if got := slug(heading); got != want {
			t.Errorf("slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

// TestScanner pins what the scanner finds: links outside code, code spans across a line break,
// nothing inside fenced blocks, and which spans name repository paths.
func TestScanner(t *testing.T) {
	d := parse("x.md", "See [a](b.md#c) and `one\ntwo` [`lib/x.go`](https://example.com/x.go) `[0](z)`.\n```\n[no](link) `no/span.go`\n```\n")
	if len(d.links) != 2 || d.links[0].target != "b.md#c" || d.links[1].target != "https://example.com/x.go" {
		t.Errorf("links: %+v", d.links)
	}
	var spans []string
	for _, s := range d.spans {
		spans = append(spans, s.text)
	}
	if want := []string{"one two", "lib/x.go", "[0](z)"}; !slices.Equal(spans, want) {
		t.Errorf("spans: %q, want %q", spans, want)
	}
	if !d.inExternalLink(d.spans[1].start) || d.inExternalLink(d.spans[0].start) {
		t.Error("the span inside the link to a URL must be the only one in an external link")
	}
	repo := repository{dirs: map[string]bool{"internal": true, "plan": true, ".ci": true}}
	for span, want := range map[string]bool{
		"internal/plan/rules.go": true, "plan/": true, ".ci/run": true, "go.mod": true, "./cmd/x.go": true,
		"aws/secretsmanager": false, "github.com/pulumi/pulumi": false, "10.0.0.0/16": false,
		"Pulumi.<stack>.yaml": false, "*/*args/": false, "go test ./...": false, "aws:region": false,
		"--json": false, "/aws/eks/x": false, "a=b/c": false, "eks.amazonaws.com/role-arn": false,
		"internal/verify.Run": true, "awsspec.OpenToWorld": false,
	} {
		if got := repo.namesPath(span); got != want {
			t.Errorf("namesPath(%q) = %v, want %v", span, got, want)
		}
	}
}

type link struct {
	target     string
	start, end int // the whole link's byte range in the document
}

type span struct {
	text  string
	start int
}

type document struct {
	name   string // slash-separated, relative to the repository root
	text   string
	links  []link
	spans  []span
	anchor map[string]bool
}

func (d *document) line(offset int) int { return strings.Count(d.text[:offset], "\n") + 1 }

func (d *document) inExternalLink(offset int) bool {
	for _, l := range d.links {
		if offset >= l.start && offset < l.end && hasScheme(l.target) {
			return true
		}
	}
	return false
}

var docsCache []*document

// documents reads README.md and docs/*.md.
func documents(t *testing.T) []*document {
	t.Helper()
	if docsCache != nil {
		return docsCache
	}
	names, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	names = append([]string{filepath.Join(root, "README.md")}, names...)
	for _, name := range names {
		text, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(root, name)
		if err != nil {
			t.Fatal(err)
		}
		docsCache = append(docsCache, parse(filepath.ToSlash(rel), string(text)))
	}
	return docsCache
}

var (
	fence      = regexp.MustCompile("^ {0,3}(```+|~~~+)")
	heading    = regexp.MustCompile(`^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$`)
	htmlAnchor = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	inlineLink = regexp.MustCompile(`\[[^\[\]]*\]\(\s*<?([^()\s<>]*)>?(?:\s+"[^"]*")?\s*\)`)
	definition = regexp.MustCompile(`(?m)^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)`)
)

// parse finds a document's headings, links and code spans, ignoring fenced code blocks.
func parse(name, text string) *document {
	d := &document{name: name, text: text, anchor: map[string]bool{}}
	// Fenced blocks become blanks of the same length, so offsets and line numbers stay.
	var prose strings.Builder
	inFence, marker := false, ""
	seen := map[string]int{}
	for _, line := range strings.SplitAfter(text, "\n") {
		if m := fence.FindStringSubmatch(line); m != nil && (!inFence || strings.HasPrefix(strings.TrimSpace(line), marker)) {
			if !inFence {
				marker = m[1][:3]
			}
			inFence = !inFence
			prose.WriteString(blank(line))
			continue
		}
		if inFence {
			prose.WriteString(blank(line))
			continue
		}
		prose.WriteString(line)
		if m := heading.FindStringSubmatch(strings.TrimRight(line, "\n")); m != nil {
			s := slug(m[1])
			if n, dup := seen[s]; dup {
				seen[s] = n + 1
				s = fmt.Sprintf("%s-%d", s, n+1)
			} else {
				seen[s] = 0
			}
			d.anchor[s] = true
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			d.anchor[m[1]] = true
		}
	}
	// Code spans: a run of n backticks up to the next run of exactly n. Their text is masked
	// before links are found, so brackets in code (`publicAccessCidrs[0]`) are not links.
	masked := []byte(prose.String())
	src := prose.String()
	for i := 0; i < len(src); {
		if src[i] != '`' {
			i++
			continue
		}
		n := runLength(src, i)
		end := closingRun(src, i+n, n)
		if end < 0 {
			i += n
			continue
		}
		content := strings.Join(strings.Fields(src[i+n:end]), " ")
		d.spans = append(d.spans, span{text: content, start: i})
		for j := i; j < end+n; j++ {
			if masked[j] != '\n' {
				masked[j] = 'x'
			}
		}
		i = end + n
	}
	for _, m := range inlineLink.FindAllSubmatchIndex(masked, -1) {
		d.links = append(d.links, link{target: src[m[2]:m[3]], start: m[0], end: m[1]})
	}
	for _, m := range definition.FindAllSubmatchIndex(masked, -1) {
		d.links = append(d.links, link{target: src[m[2]:m[3]], start: m[0], end: m[1]})
	}
	return d
}

func blank(line string) string {
	if strings.HasSuffix(line, "\n") {
		return strings.Repeat(" ", len(line)-1) + "\n"
	}
	return strings.Repeat(" ", len(line))
}

func runLength(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] == '`' {
		n++
	}
	return n
}

// closingRun returns where the next run of exactly n backticks from i starts, or -1. A code span
// ends at a blank line at the latest, as in CommonMark's paragraphs.
func closingRun(s string, i, n int) int {
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "\n\n"):
			return -1
		case s[i] == '`':
			m := runLength(s, i)
			if m == n {
				return i
			}
			i += m
		default:
			i++
		}
	}
	return -1
}

var mdLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// slug is GitHub's anchor for a heading: the heading's text as rendered (code without its
// backticks, a link's text without its target, no emphasis asterisks), lowercased, with every
// character that is not a letter, digit, space, hyphen or underscore dropped and each space made
// a hyphen.
func slug(text string) string {
	text = mdLink.ReplaceAllString(text, "$1")
	text = strings.NewReplacer("`", "", "*", "").Replace(text)
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	scheme     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	lineAnchor = regexp.MustCompile(`^L\d+(-L\d+)?$`)
)

func hasScheme(target string) bool { return scheme.MatchString(target) }

// relativeTarget resolves a link of the document named from to a slash-separated path relative to
// the repository root, and returns its anchor. ok is false for a link to a URL.
func relativeTarget(from, target string) (file, anchor string, ok bool) {
	if hasScheme(target) {
		return "", "", false
	}
	file, anchor, _ = strings.Cut(target, "#")
	if file == "" {
		return from, anchor, true
	}
	if unescaped, err := url.PathUnescape(file); err == nil {
		file = unescaped
	}
	return path.Clean(path.Join(path.Dir(from), file)), anchor, true
}

// qualifiedIdent is a Go identifier qualified by its package's path: internal/verify.Run.
var qualifiedIdent = regexp.MustCompile(`^(.+/[a-z0-9_]+)\.[A-Z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$`)

// packageDir turns a qualified Go identifier into its package's directory.
func packageDir(s string) string {
	if m := qualifiedIdent.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

type repository struct {
	dirs  map[string]bool // every directory's own name, anywhere in the repository
	files map[string]bool // every file's own name
	docs  map[string]*document
}

var repoCache *repository

func scanRepository(t *testing.T) *repository {
	t.Helper()
	if repoCache != nil {
		return repoCache
	}
	r := &repository{dirs: map[string]bool{}, files: map[string]bool{}, docs: map[string]*document{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skippedDirs[d.Name()] {
				return filepath.SkipDir
			}
			r.dirs[d.Name()] = true
			return nil
		}
		r.files[d.Name()] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range documents(t) {
		r.docs[doc.name] = doc
	}
	repoCache = r
	return r
}

func (r *repository) checkLink(doc *document, target string) error {
	file, anchor, ok := relativeTarget(doc.name, target)
	if !ok {
		return nil
	}
	if file == ".." || strings.HasPrefix(file, "../") {
		return fmt.Errorf("points outside the repository")
	}
	info, err := os.Stat(filepath.Join(root, filepath.FromSlash(file)))
	if err != nil {
		return fmt.Errorf("%s does not exist", file)
	}
	if anchor == "" {
		return nil
	}
	if info.IsDir() || !strings.HasSuffix(file, ".md") {
		if lineAnchor.MatchString(anchor) && !info.IsDir() {
			return nil // a line of a source file
		}
		return fmt.Errorf("#%s: %s has no headings to link to", anchor, file)
	}
	dest, known := r.docs[file]
	if !known {
		text, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			return err
		}
		dest = parse(file, string(text))
		r.docs[file] = dest
	}
	if !dest.anchor[anchor] {
		return fmt.Errorf("%s has no heading whose anchor is #%s", file, anchor)
	}
	return nil
}

// namesPath applies TestDocPaths's rules to a code span's text.
func (r *repository) namesPath(s string) bool {
	s = packageDir(strings.TrimPrefix(s, "./"))
	if s == "" || strings.ContainsAny(s, " \t<>*?[]{}$|=@#,~:") || strings.Contains(s, "...") || strings.Contains(s, "…") {
		return false
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "/") {
		return false
	}
	first, _, hasSlash := strings.Cut(s, "/")
	if strings.Contains(first[1:], ".") && hasSlash {
		return false // a host, a Go import path or an address
	}
	for _, ext := range pathExtensions {
		if strings.HasSuffix(s, ext) && len(s) > len(ext) {
			return true
		}
	}
	return hasSlash && r.dirs[first]
}

func (r *repository) exists(s string) bool {
	s = packageDir(strings.TrimPrefix(s, "./"))
	if strings.Contains(strings.TrimSuffix(s, "/"), "/") || strings.HasSuffix(s, "/") {
		_, err := os.Stat(filepath.Join(root, filepath.FromSlash(s)))
		return err == nil
	}
	if _, err := os.Stat(filepath.Join(root, s)); err == nil {
		return true
	}
	return r.files[s]
}
