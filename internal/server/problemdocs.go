package server

import (
	"bytes"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/slo-dev/slo/internal/api"
)

// problemDocsPage documents every problem type, one anchor per type, so a
// problem's type URI ("/docs/problems#not-found") opens its entry.
var problemDocsPage = template.Must(template.New("problems").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>slod: problem types</title>
</head>
<body>
<main>
<h1>Problem types</h1>
<p>slod answers every error as <code>application/problem+json</code> (RFC 9457, formerly 7807). Its <code>type</code> is one of the
URIs below, relative to slod: compare the whole string; <code>title</code> and <code>detail</code> are for people,
<code>field</code> names a wrong parameter, <code>request_id</code> finds the request in slod's log.</p>
<dl>
{{range .}}<dt id="{{.Name}}"><a href="#{{.Name}}"><code>{{.Type}}</code></a> ({{.Status}})</dt>
<dd><p>{{.When}}</p><p>What to do: {{.Do}}</p></dd>
{{end}}</dl>
</main>
</body>
</html>
`))

// mountProblemDocs serves api.ProblemDocs.
func mountProblemDocs(r *gin.Engine) {
	var page bytes.Buffer
	if err := problemDocsPage.Execute(&page, api.ProblemDocList); err != nil {
		// The template and its data are fixed at build time.
		panic("problem docs: " + err.Error())
	}
	getAndHead(r, api.ProblemDocs, func(c *gin.Context) {
		c.Header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page.Bytes())
	})
}
