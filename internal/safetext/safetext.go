// Package safetext decides which characters free text from one person may
// carry to another's terminal, and escapes the rest for display. Control
// characters (C0, DEL, C1) move the cursor, rewrite a line or recolour it;
// bidirectional embeddings, overrides and isolates (U+202A to U+202E,
// U+2066 to U+2069) reorder what a reader sees. slod refuses them in the
// fields it stores (internal/gate); sloctl escapes them in everything it
// shows, in case an older or another server sends them.
package safetext

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Unsafe reports whether r must not be shown as it is.
func Unsafe(r rune) bool {
	return unicode.IsControl(r) || ('\u202a' <= r && r <= '\u202e') || ('\u2066' <= r && r <= '\u2069')
}

// Check returns nil for valid UTF-8 without unsafe characters, else an
// error naming the first one and where it is.
func Check(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("is not valid UTF-8")
	}
	for i, r := range s {
		if Unsafe(r) {
			return fmt.Errorf("contains %U at byte %d: control characters and bidirectional overrides are not allowed", r, i)
		}
	}
	return nil
}

// Escape writes every unsafe character of s as \uXXXX and every byte of
// invalid UTF-8 as \xNN, so that s shows as the plain text it holds, on
// one line. Inside a JSON string the \u escapes are valid JSON too.
func Escape(s string) string {
	if Check(s) == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
