package server

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
)

// allowHosts answers 421 to a request whose Host header names none of
// hosts (with any port). A DNS rebinding page reaches a loopback slod
// under the attacker's own host name, which is not in the list. Empty
// hosts allows any.
func allowHosts(hosts []string) gin.HandlerFunc {
	allowed := map[string]bool{}
	for _, h := range hosts {
		allowed[hostName(h)] = true
	}
	return func(c *gin.Context) {
		if len(allowed) == 0 || allowed[hostName(c.Request.Host)] {
			c.Next()
			return
		}
		problem(c, http.StatusMisdirectedRequest, api.ProblemHostNotAllowed, fmt.Sprintf(
			"Host %q is not one slod answers to: %s (--allowed-hosts)", truncate(c.Request.Host, 100), strings.Join(hosts, ", ")))
	}
}

// hostName is the host of a Host header or list entry, without port or
// IPv6 brackets, in lower case.
func hostName(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
}
