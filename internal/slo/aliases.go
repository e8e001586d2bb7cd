package slo

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// aliasWalk bounds what the aliases (*name) of one document expand to.
// Decoded into yaml.Node an alias stays a pointer to its anchored value:
// yaml.v3 expands nothing, and its own guard (allowedAliasRatio, checked
// only while decoding into Go values) never runs. The checker, though,
// reads an aliased value again at every alias, so one SLO listed by alias
// a million times would be checked a million times.
type aliasWalk struct {
	// nodes and bytes count what the aliases met so far expand to: every
	// node, and the text of every scalar, nested aliases expanded.
	nodes, bytes int
	// open holds the anchored values being expanded: meeting one again
	// means an alias inside the value it names, which never ends.
	open map[*yaml.Node]bool
}

// checkAliases records a problem and returns false when the aliases in
// doc expand to more than maxAliasNodes nodes or maxAliasBytes of text, or
// into themselves. It runs before any field is checked.
func (c *checker) checkAliases(doc *yaml.Node) bool {
	w := &aliasWalk{open: map[*yaml.Node]bool{}}
	if at, err := w.document(doc); err != nil {
		c.addf(at, "", "%v", err)
		return false
	}
	return true
}

// document walks the nodes as written and expands every alias it meets.
// It returns the alias whose expansion went over a bound.
func (w *aliasWalk) document(n *yaml.Node) (*yaml.Node, error) {
	if n.Kind == yaml.AliasNode {
		if err := w.expand(n); err != nil {
			return n, fmt.Errorf("alias *%s: %w", n.Value, err)
		}
		return nil, nil
	}
	for _, child := range n.Content {
		if at, err := w.document(child); err != nil {
			return at, err
		}
	}
	return nil, nil
}

// expand counts n and everything below it, following aliases, and stops
// as soon as a bound is passed, so a billion laughs costs no more than
// the bound.
func (w *aliasWalk) expand(n *yaml.Node) error {
	w.nodes++
	w.bytes += len(n.Value)
	if w.nodes > maxAliasNodes || w.bytes > maxAliasBytes {
		return fmt.Errorf("too many alias expansions: the file's aliases expand to more than %d nodes or %d bytes of text; write the values out or use fewer aliases", maxAliasNodes, maxAliasBytes)
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		if w.open[n.Alias] {
			return fmt.Errorf("*%s is used inside the value it names, so it would repeat without end; write the value out", n.Value)
		}
		w.open[n.Alias] = true
		defer delete(w.open, n.Alias)
		return w.expand(n.Alias)
	}
	for _, child := range n.Content {
		if err := w.expand(child); err != nil {
			return err
		}
	}
	return nil
}
