package slo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"
)

// Valid field names, in the order the messages list them.
var (
	specFields  = []string{"service", "owner", "labels", "slos", "policy", "error_budget", "maintenance"}
	serviceName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	yamlLine    = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
)

// Parse reads and validates one slo.yaml. file names it in problems. The
// spec is returned only when there are no problems; otherwise it is zero.
func Parse(file string, data []byte) (Spec, []Problem) {
	p := parseSpec(file, data)
	if problems := p.problems.list(file); len(problems) > 0 {
		return Spec{}, problems
	}
	return p.spec, nil
}

// parsed is one file's result, keeping the partial spec so Load can still
// compare the service names of files that have other problems.
type parsed struct {
	spec        Spec
	serviceLine int
	problems    problemList
}

func parseSpec(file string, data []byte) parsed {
	c := &checker{file: file}
	p := parsed{spec: Spec{File: file}}
	if root := c.document(data); root != nil {
		p.serviceLine = c.spec(&p.spec, root)
	}
	p.problems = c.problems
	return p
}

// document decodes data into its root mapping node, or returns nil after
// recording why there is none.
func (c *checker) document(data []byte) *yaml.Node {
	if len(data) > maxFileBytes {
		c.wholeFile(tooLarge(fmt.Sprintf("is %d bytes", len(data))))
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		c.yamlError(err)
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		c.addf(&extra, "", "a second YAML document starts here; give one service per file")
	case !errors.Is(err, io.EOF):
		c.yamlError(err)
	}
	if !c.checkAliases(&doc) {
		return nil
	}
	var root *yaml.Node
	if len(doc.Content) > 0 {
		root = resolve(doc.Content[0])
	}
	switch {
	case root == nil || isNull(root):
		c.wholeFile("file is empty; a spec needs at least service: NAME and slos: [...]")
		return nil
	case root.Kind != yaml.MappingNode:
		c.addf(root, "", "the file must be a mapping with the fields %s, got %s", strings.Join(specFields, ", "), describe(root))
		return nil
	}
	return root
}

// yamlError turns a YAML decoding error into a problem, keeping the line
// yaml reports (0 when it reports none).
func (c *checker) yamlError(err error) {
	if errors.Is(err, io.EOF) {
		c.wholeFile("file is empty; a spec needs at least service: NAME and slos: [...]")
		return
	}
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		c.problems.add(Problem{File: c.file, Line: line, Message: "invalid YAML: " + m[2]})
		return
	}
	c.wholeFile("invalid YAML: " + strings.TrimPrefix(msg, "yaml: "))
}

// wholeFile records a problem about the file as a whole (no line, no field).
func (c *checker) wholeFile(msg string) {
	c.problems.add(Problem{File: c.file, Message: msg})
}

// spec fills s from the root mapping and returns the line naming the service.
func (c *checker) spec(s *Spec, root *yaml.Node) (serviceLine int) {
	f, _ := c.fields(root, "", specFields)
	s.Service = c.service(f["service"], root)
	serviceLine = root.Line
	if n := f["service"]; n != nil {
		serviceLine = n.Line
	}
	if n := f["owner"]; n != nil {
		s.Owner, _ = c.str(n, "owner", "a team or person, e.g. team-payments")
	}
	if n := f["labels"]; n != nil {
		s.Labels = c.labels(n)
	}
	if n := f["slos"]; n != nil {
		s.SLOs = c.slos(n)
	} else {
		c.addf(root, "slos", "missing; list the service's objectives under slos:")
	}
	var explicit bool
	s.Policy, explicit = c.policy(f["policy"])
	if n := f["error_budget"]; n != nil {
		c.errorBudget(n, &s.Policy, explicit)
	}
	if n := f["maintenance"]; n != nil {
		s.Maintenance = c.maintenance(n, s.SLOs)
	}
	return serviceLine
}

// service reads the service name. Without service: the name comes from the
// file, as in the seed's services/payment-api/slo.yaml: the folder for a
// file named slo.yaml, else the file name without extension.
func (c *checker) service(n, root *yaml.Node) string {
	const want = "a name of lowercase letters, digits and dashes ([a-z0-9][a-z0-9-]*), e.g. checkout"
	if n == nil {
		name := serviceFromFile(c.file)
		if !serviceName.MatchString(name) || len(name) > maxServiceName {
			c.addf(root, "service", "missing, and the file name %q is no valid service name; add service: NAME with %s", name, want)
			return ""
		}
		return name
	}
	name, ok := c.str(n, "service", want)
	switch {
	case !ok:
	case !serviceName.MatchString(name):
		c.addf(n, "service", "%q is not valid; give %s", name, want)
	case len(name) > maxServiceName:
		c.addf(n, "service", "%q is %d bytes long; give at most %d (the name is in every generated rule and metric), e.g. checkout", name, len(name), maxServiceName)
	}
	return name
}

func serviceFromFile(file string) string {
	base := filepath.Base(file)
	name := strings.TrimSuffix(base, filepath.Ext(base))
	if name == "slo" {
		return filepath.Base(filepath.Dir(file))
	}
	return name
}

// labels reads the labels mapping: Prometheus label names to string values.
func (c *checker) labels(n *yaml.Node) map[string]string {
	n = resolve(n)
	if n.Kind != yaml.MappingNode {
		c.addf(n, "labels", "must be a mapping of label names to values, e.g. {tier: \"1\"}, got %s", describe(n))
		return nil
	}
	pairs := n.Content
	if len(pairs)/2 > maxLabels {
		c.addf(pairs[2*maxLabels], "labels", "has %d labels, over the cap of %d; keep at most %d (labels are copied onto every generated alert; this one and those after it were not checked)", len(pairs)/2, maxLabels, maxLabels)
		pairs = pairs[:2*maxLabels]
	}
	labels := make(map[string]string, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		key, value := resolve(pairs[i]), resolve(pairs[i+1])
		name, ok := c.str(key, "labels", "a label name")
		if !ok {
			continue
		}
		path := join("labels", name)
		switch _, dup := labels[name]; {
		case !model.LegacyValidation.IsValidLabelName(name) || strings.HasPrefix(name, "__"):
			c.addf(key, path, "not a valid Prometheus label name; use [a-zA-Z_][a-zA-Z0-9_]* not starting with __")
		case len(name) > maxLabelBytes:
			c.addf(key, path, "is %d bytes long; give a label name of at most %d", len(name), maxLabelBytes)
		case dup:
			c.addf(key, path, "given twice; keep one")
		}
		switch {
		case value.Kind != yaml.ScalarNode || isNull(value):
			c.addf(value, path, "must be a string value, got %s", describe(value))
			continue
		case len(value.Value) > maxLabelBytes:
			c.addf(value, path, "value is %d bytes long; give at most %d (labels are copied onto every generated alert)", len(value.Value), maxLabelBytes)
		}
		labels[name] = value.Value
	}
	return labels
}

// slos reads the list of SLOs and checks their names are unique.
func (c *checker) slos(n *yaml.Node) []SLO {
	items, ok := c.seq(n, "slos", "SLOs (each with name, target, window and sli)")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		c.addf(n, "slos", "is empty; list at least one SLO")
		return nil
	}
	items = c.capItems(items, "slos", "SLOs", maxSLOs)
	out := make([]SLO, 0, len(items))
	seen := make(map[string]int, len(items))
	for i, item := range items {
		path := index("slos", i)
		o := c.slo(item, path)
		if o.Slug != "" {
			if first, dup := seen[o.Slug]; dup {
				c.addf(resolve(item), join(path, "name"), "%q clashes with slos[%d] %q (names must differ in more than case and punctuation)", o.Name, first, out[first].Name)
			} else {
				seen[o.Slug] = len(out)
			}
		}
		out = append(out, o)
	}
	return out
}
