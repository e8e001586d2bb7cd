// Package convert tells the spec formats apart and converts other tools'
// specs (OpenSLO v1, Sloth, Pyrra) into our slo.yaml. The slo loader
// delegates every file that is not ours here, so slod and sloctl read
// those files directly; sloctl convert writes the result out.
package convert

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/convert/openslo"
	"github.com/slo-dev/slo/internal/convert/ours"
	"github.com/slo-dev/slo/internal/convert/pyrra"
	"github.com/slo-dev/slo/internal/convert/read"
	"github.com/slo-dev/slo/internal/convert/sloth"
)

// Format is a spec format.
type Format string

// Formats; Unknown is a Kubernetes-style document of a kind nobody here
// reads.
const (
	Ours    Format = "slo"
	OpenSLO Format = "openslo"
	Sloth   Format = "sloth"
	Pyrra   Format = "pyrra"
	Unknown Format = "unknown"
)

// Formats lists the formats a user can name, ours first.
var Formats = []Format{Ours, OpenSLO, Sloth, Pyrra}

// Detect tells the format of a file by the top-level apiVersion and kind
// (or Sloth's version: prometheus/v1) of its first document. It scans
// lines rather than parsing, so a hostile file of ours costs no second
// parse. A file with none of these keys is ours: our loader says what is
// wrong with it.
func Detect(data []byte) Format {
	var apiVersion, kind, version string
	seen := false
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		text := strings.TrimRight(string(line), "\r")
		if strings.HasPrefix(text, "---") || strings.HasPrefix(text, "...") {
			if seen {
				break
			}
			continue
		}
		if text == "" || text[0] == '#' || text[0] == ' ' || text[0] == '\t' {
			continue
		}
		seen = true
		key, value, ok := strings.Cut(text, ":")
		if !ok {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"'`)
		switch key {
		case "apiVersion":
			apiVersion = value
		case "kind":
			kind = value
		case "version":
			version = value
		}
	}
	switch {
	case strings.HasPrefix(apiVersion, "openslo/"):
		return OpenSLO
	case strings.HasPrefix(apiVersion, sloth.Group+"/"), version == sloth.Version:
		return Sloth
	case strings.HasPrefix(apiVersion, pyrra.Group+"/"):
		return Pyrra
	case apiVersion != "" || kind != "":
		return Unknown
	}
	return Ours
}

// File is one spec file with its format.
type File struct {
	read.Source
	Format Format
}

// Import converts files of other formats. OpenSLO files are read as one
// set, so that references (indicatorRef, alertPolicyRef, a Service) reach
// across files; Sloth and Pyrra files stand alone. Services of the same
// name from several files are merged. A file of format Ours or Unknown is
// an error.
func Import(files []File) ([]ours.Service, []read.Issue) {
	var services []ours.Service
	var issues []read.Issue
	var openSLO []read.Source
	add := func(s []ours.Service, is []read.Issue) {
		services = append(services, s...)
		issues = append(issues, is...)
	}
	for _, f := range files {
		switch f.Format {
		case OpenSLO:
			openSLO = append(openSLO, f.Source)
		case Sloth:
			add(sloth.Import(f.Source))
		case Pyrra:
			add(pyrra.Import(f.Source))
		default:
			issues = append(issues, read.Issue{File: f.File, Line: 1, Message: unknownMessage(f.Data)})
		}
	}
	if len(openSLO) > 0 {
		add(openslo.Import(openSLO))
	}
	order := map[string]int{}
	for i, f := range files {
		order[f.File] = i
	}
	sort.SliceStable(issues, func(i, j int) bool {
		a, b := issues[i], issues[j]
		return order[a.File] < order[b.File] || order[a.File] == order[b.File] && a.Line < b.Line
	})
	return merge(services), issues
}

func unknownMessage(data []byte) string {
	var head struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
	}
	_ = yaml.Unmarshal(data, &head)
	return fmt.Sprintf("apiVersion %q, kind %q is no spec format read here; give an slo.yaml, OpenSLO (openslo/v1), Sloth (%s/v1 PrometheusServiceLevel or version: %s) or Pyrra (%s/v1alpha1 ServiceLevelObjective)", head.APIVersion, head.Kind, sloth.Group, sloth.Version, pyrra.Group)
}

// merge joins the services of the same name, keeping the first's name
// position and labels, in first-seen order.
func merge(services []ours.Service) []ours.Service {
	var out []ours.Service
	index := map[string]int{}
	for _, s := range services {
		i, seen := index[s.Name.S]
		if !seen {
			index[s.Name.S] = len(out)
			out = append(out, s)
			continue
		}
		out[i].SLOs = append(out[i].SLOs, s.SLOs...)
		for _, l := range s.Labels {
			if !slices.ContainsFunc(out[i].Labels, func(k ours.Label) bool { return k.Name.S == l.Name.S && k.Value.S == l.Value.S }) {
				out[i].Labels = append(out[i].Labels, l)
			}
		}
	}
	return out
}
