package overlay

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The files of an overlay the writer edits, and what it edits in them.
const (
	KustomizationFile       = "kustomization.yaml"
	ServiceAccountPatchFile = "serviceaccount-irsa.yaml"
	// ImageName is the placeholder image of deploy/base that the overlay's `images:` entry replaces.
	ImageName = "mission-link"
	// RoleAnnotation is the service account annotation the EKS pod identity webhook reads.
	RoleAnnotation = "eks.amazonaws.com/role-arn"
)

// edit is one file of the overlay and the change to make in it.
type edit struct {
	file  string
	apply func(doc *yaml.RNode) error
}

// pendingWrite is an edited file not yet written.
type pendingWrite struct {
	path string
	text []byte
	mode os.FileMode
}

// Write sets the repository URL as the newName of the overlay's `images:` entry (its newTag is
// CI's and stays as it is) and the role ARN as the service account patch's annotation. It returns
// the paths of the files it changed: a file that already holds the value is not rewritten, so a
// second run changes nothing. Every file is edited in memory before any is written, so an error
// leaves the overlay as it was.
func Write(dir string, out Outputs) ([]string, error) {
	if out.RepositoryURL == "" || out.AppRoleARN == "" {
		return nil, errors.New("writing the overlay: RepositoryURL and AppRoleARN are required (see ReadOutputs)")
	}
	edits := []edit{
		{KustomizationFile, func(doc *yaml.RNode) error { return setImageName(doc, out.RepositoryURL) }},
		{ServiceAccountPatchFile, func(doc *yaml.RNode) error { return setRoleARN(doc, out.AppRoleARN) }},
	}
	var pending []pendingWrite
	for _, e := range edits {
		path := filepath.Join(dir, e.file)
		w, changed, err := editFile(path, e.apply)
		if err != nil {
			return nil, err
		}
		if changed {
			pending = append(pending, w)
		}
	}
	var written []string
	for _, w := range pending {
		if err := os.WriteFile(w.path, w.text, w.mode); err != nil {
			return written, fmt.Errorf("writing %s: %w", w.path, err)
		}
		written = append(written, w.path)
	}
	return written, nil
}

// editFile parses the one YAML document in path, applies the change to its node tree and
// serialises it with the file's own sequence indentation. Comments stay attached to their nodes.
func editFile(path string, apply func(doc *yaml.RNode) error) (pendingWrite, bool, error) {
	before, err := os.ReadFile(path)
	if err != nil {
		return pendingWrite{}, false, fmt.Errorf("reading the overlay: %w", err)
	}
	info, err := os.Stat(path)
	if err != nil {
		return pendingWrite{}, false, fmt.Errorf("reading the overlay: %w", err)
	}
	doc, err := parseOne(before)
	if err != nil {
		return pendingWrite{}, false, fmt.Errorf("%s: %w", path, err)
	}
	if err := apply(doc); err != nil {
		return pendingWrite{}, false, fmt.Errorf("%s: %w", path, err)
	}
	style := yaml.SequenceIndentStyle(yaml.DeriveSeqIndentStyle(string(before)))
	after, err := yaml.MarshalWithOptions(doc.Document(), &yaml.EncoderOptions{SeqIndent: style})
	if err != nil {
		return pendingWrite{}, false, fmt.Errorf("%s: encoding: %w", path, err)
	}
	return pendingWrite{path: path, text: after, mode: info.Mode().Perm()}, !bytes.Equal(before, after), nil
}

// parseOne parses text that must hold exactly one YAML document, a mapping: writing back only the
// first of several documents would drop the others.
func parseOne(text []byte) (*yaml.RNode, error) {
	dec := yaml.NewDecoder(bytes.NewReader(text))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parsing YAML: %w", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, errors.New("holds more than one YAML document; the overlay's files hold one each")
	}
	rn := yaml.NewRNode(&doc)
	if rn.YNode().Kind != yaml.MappingNode {
		return nil, errors.New("is not a YAML mapping")
	}
	return rn, nil
}

// setImageName sets newName in the `images:` entry of ImageName, which must exist with a newTag:
// the tag is CI's (`kustomize edit set image`) and the writer never invents one.
func setImageName(kustomization *yaml.RNode, repositoryURL string) error {
	images := kustomization.Field("images")
	if images == nil || images.Value.YNode().Kind != yaml.SequenceNode {
		return fmt.Errorf("has no images: list; want an entry name: %s with newName and newTag (CI's `kustomize edit set image` writes it)", ImageName)
	}
	elements, err := images.Value.Elements()
	if err != nil {
		return fmt.Errorf("reading images: %w", err)
	}
	var entry *yaml.RNode
	for i, el := range elements {
		if stringField(el, "name") != ImageName {
			continue
		}
		if entry != nil {
			return fmt.Errorf("images[%d] names %s again: keep one entry per image", i, ImageName)
		}
		entry = el
	}
	if entry == nil {
		return fmt.Errorf("images has no entry name: %s (the placeholder image of deploy/base)", ImageName)
	}
	if stringField(entry, "newTag") == "" {
		return fmt.Errorf("images entry %s has no newTag: CI sets it to the commit SHA with `kustomize edit set image`; the writer sets only newName", ImageName)
	}
	return setString(entry, "newName", repositoryURL)
}

// setRoleARN sets the IRSA annotation of the ServiceAccount patch, creating metadata.annotations
// if the patch has none.
func setRoleARN(patch *yaml.RNode, roleARN string) error {
	if kind := patch.GetKind(); kind != "ServiceAccount" {
		return fmt.Errorf("is a %q, want the ServiceAccount patch that carries %s", kind, RoleAnnotation)
	}
	annotations, err := patch.Pipe(yaml.LookupCreate(yaml.MappingNode, "metadata", "annotations"))
	if err != nil {
		return fmt.Errorf("reading metadata.annotations: %w", err)
	}
	if annotations == nil || annotations.YNode().Kind != yaml.MappingNode {
		return errors.New("metadata.annotations is not a mapping")
	}
	return setString(annotations, RoleAnnotation, roleARN)
}

// stringField returns a mapping's string field, or "" when it has none.
func stringField(mapping *yaml.RNode, key string) string {
	field := mapping.Field(key)
	if field == nil || field.Value.YNode().Kind != yaml.ScalarNode {
		return ""
	}
	return field.Value.YNode().Value
}

// setString sets a string field of a mapping. An existing value is changed in place, so its
// quoting and its comments stay as they were.
func setString(mapping *yaml.RNode, key, value string) error {
	field := mapping.Field(key)
	if field == nil {
		if err := mapping.PipeE(yaml.SetField(key, yaml.NewStringRNode(value))); err != nil {
			return fmt.Errorf("setting %s: %w", key, err)
		}
		return nil
	}
	node := field.Value.YNode()
	if node.Kind != yaml.ScalarNode {
		return fmt.Errorf("%s is not a string value", key)
	}
	node.Value = value
	node.Tag = yaml.NodeTagString
	return nil
}
