// Package api holds the JSON shapes of slod's HTTP API (docs/design.md, "HTTP
// API"): internal/server writes them and internal/client reads them, so the
// two cannot drift apart. Fields are added, never renamed; the server's
// golden tests (internal/server/testdata/api) pin the bytes.
//
// The package imports only the pure packages slo and policy, whose value
// types it reuses; in particular not internal/store, so that sloctl does
// not link SQLite.
package api
