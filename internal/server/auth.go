package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
)

// tokenSet holds the SHA-256 of every accepted bearer token, so that the
// comparison is constant-time and of fixed length whatever the input.
type tokenSet [][32]byte

func newTokenSet(tokens []string) tokenSet {
	var ts tokenSet
	for _, t := range tokens {
		if t = strings.TrimSpace(t); t != "" {
			ts = append(ts, sha256.Sum256([]byte(t)))
		}
	}
	return ts
}

// valid compares against every token so timing does not reveal which one
// (or whether any) matched.
func (ts tokenSet) valid(token string) bool {
	h := sha256.Sum256([]byte(token))
	ok := 0
	for _, t := range ts {
		ok |= subtle.ConstantTimeCompare(h[:], t[:])
	}
	return ok == 1
}

// requireToken guards writes with a bearer token.
func (ts tokenSet) requireToken() gin.HandlerFunc {
	return func(c *gin.Context) {
		if len(ts) == 0 {
			c.Header("WWW-Authenticate", `Bearer realm="slod"`)
			problem(c, http.StatusUnauthorized, api.ProblemUnauthorized, "writes are disabled: slod has no tokens configured (--token-file or SLOD_TOKENS)")
			return
		}
		token, found := bearerToken(c.GetHeader("Authorization"))
		if !found || !ts.valid(token) {
			c.Header("WWW-Authenticate", `Bearer realm="slod"`)
			detail := "missing bearer token: send Authorization: Bearer <token>"
			if found {
				detail = "the bearer token is not valid"
			}
			problem(c, http.StatusUnauthorized, api.ProblemUnauthorized, detail)
			return
		}
		c.Next()
	}
}

// bearerToken reads "Bearer <token>" from an Authorization header. The
// scheme is case-insensitive (RFC 7235, section 2.1).
func bearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}
