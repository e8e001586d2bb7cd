// Package ours is the slo.yaml that a converter builds from another tool's
// spec: plain values, each with the file and line it came from, rendered
// as YAML nodes that keep those lines. The slo loader checks the nodes as
// it checks a file of ours, so every problem points into the source; sloctl
// convert writes them out. It is pure.
package ours

import (
	"bytes"

	"gopkg.in/yaml.v3"
)

// Pos is where a value came from.
type Pos struct {
	File string
	Line int
}

// At is the position of node n in file.
func At(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file}
	}
	return Pos{File: file, Line: n.Line}
}

// Value is one field's value; an empty S leaves the field out.
type Value struct {
	S   string
	Pos Pos
}

// V makes a value at pos.
func V(s string, pos Pos) Value { return Value{S: s, Pos: pos} }

// Label is one entry of labels.
type Label struct {
	Name, Value Value
}

// Service is one slo.yaml.
type Service struct {
	Name   Value
	Owner  Value
	Labels []Label
	SLOs   []SLO
	// Header is a comment written above the document, saying where it
	// came from.
	Header string
}

// SLO is one entry of slos.
type SLO struct {
	Pos         Pos
	Name        Value
	Description Value
	Target      Value
	Window      Value
	Calendar    Value
	Timezone    Value
	// Events: Errors or Good, and Total. Latency when Metric is set.
	Errors, Good, Total Value
	Latency             *Latency
	// Uses lists other files the SLO draws on (a referenced SLI, say).
	Uses []string
}

// Latency is a histogram latency SLI.
type Latency struct {
	Pos                         Pos
	Metric, Selector, Threshold Value
}

// Files lists the files s draws on, in first-seen order.
func (s Service) Files() []string {
	var files []string
	seen := map[string]bool{}
	add := func(p Pos) {
		if p.File != "" && !seen[p.File] {
			seen[p.File] = true
			files = append(files, p.File)
		}
	}
	add(s.Name.Pos)
	for _, o := range s.SLOs {
		add(o.Pos)
		for _, f := range o.Uses {
			add(Pos{File: f})
		}
	}
	return files
}

// Document is a service rendered as YAML nodes.
type Document struct {
	Root   *yaml.Node
	origin map[*yaml.Node]string
}

// FileOf is the file node n of the document came from.
func (d Document) FileOf(n *yaml.Node) string { return d.origin[n] }

// Node renders s as the root mapping of a slo.yaml, each node at the line
// (and from the file) its value came from.
func (s Service) Node() Document {
	b := builder{origin: map[*yaml.Node]string{}}
	root := b.mapping(s.Name.Pos)
	b.field(root, "service", s.Name)
	b.field(root, "owner", s.Owner)
	if len(s.Labels) > 0 {
		labels := b.mapping(s.Labels[0].Name.Pos)
		for _, l := range s.Labels {
			b.field(labels, l.Name.S, l.Value)
		}
		b.set(root, "labels", s.Name.Pos, labels)
	}
	slos := b.node(yaml.SequenceNode, s.Name.Pos, "")
	for _, o := range s.SLOs {
		slos.Content = append(slos.Content, b.slo(o))
	}
	b.set(root, "slos", s.Name.Pos, slos)
	root.HeadComment = s.Header
	return Document{Root: root, origin: b.origin}
}

type builder struct{ origin map[*yaml.Node]string }

func (b builder) node(kind yaml.Kind, pos Pos, value string) *yaml.Node {
	n := &yaml.Node{Kind: kind, Value: value, Line: pos.Line}
	if kind == yaml.ScalarNode {
		n.Tag = "!!str"
	}
	b.origin[n] = pos.File
	return n
}

func (b builder) mapping(pos Pos) *yaml.Node { return b.node(yaml.MappingNode, pos, "") }

// set adds key: value to mapping m, the key at pos.
func (b builder) set(m *yaml.Node, key string, pos Pos, value *yaml.Node) {
	m.Content = append(m.Content, b.node(yaml.ScalarNode, pos, key), value)
}

// field adds key: v.S to m unless v is empty.
func (b builder) field(m *yaml.Node, key string, v Value) {
	if v.S == "" {
		return
	}
	b.set(m, key, v.Pos, b.node(yaml.ScalarNode, v.Pos, v.S))
}

func (b builder) slo(o SLO) *yaml.Node {
	m := b.mapping(o.Pos)
	b.field(m, "name", o.Name)
	b.field(m, "description", o.Description)
	b.field(m, "target", o.Target)
	b.field(m, "window", o.Window)
	b.field(m, "calendar", o.Calendar)
	b.field(m, "timezone", o.Timezone)
	sli := b.mapping(o.Pos)
	if o.Latency != nil {
		lat := b.mapping(o.Latency.Pos)
		b.field(lat, "metric", o.Latency.Metric)
		b.field(lat, "selector", o.Latency.Selector)
		b.field(lat, "threshold", o.Latency.Threshold)
		b.set(sli, "latency", o.Latency.Pos, lat)
	} else {
		ev := b.mapping(o.Total.Pos)
		b.field(ev, "errors", o.Errors)
		b.field(ev, "good", o.Good)
		b.field(ev, "total", o.Total)
		b.set(sli, "events", o.Total.Pos, ev)
	}
	b.set(m, "sli", o.Pos, sli)
	return m
}

// YAML writes s as an slo.yaml file.
func (s Service) YAML() ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(s.Node().Root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
