package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/safetext"
)

// Tables and colours for the text output of the API commands.

// ANSI colours for terminals.
const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// colorEnabled reports whether w is a terminal that wants colours: not
// when NO_COLOR is set (no-color.org) or TERM=dumb, and never into a pipe
// or file, where escape codes would end up in logs.
func colorEnabled(w io.Writer, getenv func(string) string) bool {
	if getenv("NO_COLOR") != "" || getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// gateColor colours a gate decision.
func gateColor(decision string) string {
	switch decision {
	case api.DecisionAllow:
		return ansiGreen
	case api.DecisionWarn:
		return ansiYellow
	}
	return ansiRed
}

// tcell is one table cell with an optional colour.
type tcell struct{ text, color string }

func plain(s string) tcell { return tcell{text: s} }

// textTable lays out columns padded to their widest cell. Colours are
// applied after padding so that escape codes never count towards a width.
type textTable struct {
	color bool
	rows  [][]tcell
}

// add appends a row. Cell text is escaped (safetext.Escape): cells show
// what slod sends, which must not move the cursor or reorder the line.
func (t *textTable) add(cells ...tcell) {
	for i := range cells {
		cells[i].text = safetext.Escape(cells[i].text)
	}
	t.rows = append(t.rows, cells)
}

// header adds a row of plain cells.
func (t *textTable) header(names ...string) {
	row := make([]tcell, len(names))
	for i, n := range names {
		row[i] = plain(n)
	}
	t.add(row...)
}

func (t *textTable) write(w io.Writer) error {
	var widths []int
	for _, r := range t.rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c.text))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		for i, c := range r {
			if t.color && c.color != "" {
				b.WriteString(c.color + c.text + ansiReset)
			} else {
				b.WriteString(c.text)
			}
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c.text)+2))
			}
		}
		if _, err := fmt.Fprintln(w, b.String()); err != nil {
			return withCode(exitError, fmt.Errorf("write table: %w", err))
		}
	}
	return nil
}

// writeList prints items as a table with a row each, coloured when color
// is set, or the line empty when there are none.
func writeList[T any](w io.Writer, color bool, empty string, header []string, items []T, row func(T) []tcell) error {
	if len(items) == 0 {
		_, err := fmt.Fprintln(w, empty)
		return err
	}
	t := &textTable{color: color}
	t.header(header...)
	for _, it := range items {
		t.add(row(it)...)
	}
	return t.write(w)
}
