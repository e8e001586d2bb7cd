// Package web holds the dashboard: one static page (index.html, app.css
// and the ES modules under js/, loaded by the browser as they are) with no
// build step and nothing fetched from the network at runtime.
//
// Expected mount (the page uses relative URLs, so the server may mount it
// under a prefix as long as the API sits next to it):
//
//	GET /                 -> Assets "index.html"
//	GET /static/{path...} -> Assets "{path}" (app.css, js/main.js, js/views/...)
//	GET /api/v1/...       -> the JSON API the page calls ("api/v1/..." relative)
//
// For example with gin:
//
//	r.GET("/", func(c *gin.Context) { c.FileFromFS("/", http.FS(web.Assets)) })
//	r.StaticFS("/static", http.FS(web.Assets))
//
// Routing inside the page is by URL fragment (#/, #/service/NAME,
// #/decisions), so index.html is the only HTML document.
package web

import (
	"embed"
	"io/fs"
)

// Static is the embedded static directory, paths prefixed with "static/".
//
//go:embed static
var Static embed.FS

// Assets is Static rooted at the static directory: "index.html",
// "app.css", "js/main.js" and the modules it imports.
var Assets fs.FS = mustSub(Static, "static")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		// fs.Sub only fails for an invalid path; "static" is valid.
		panic(err)
	}
	return sub
}
