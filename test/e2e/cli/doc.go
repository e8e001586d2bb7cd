// Package cli tests the shipped binaries end to end: TestMain builds
// cmd/slod and cmd/sloctl once, the tests start a real Prometheus
// (internal/testing/promtest) loaded with synthetic traffic whose exact counts are
// known (internal/demo/synth), run the slod binary against it, and drive it with
// the sloctl binary, checking process exit codes and output the way a CI
// pipeline sees them. The Argo Rollouts and Flagger recipes of
// docs/integrations.md are replayed against the same slod, and the rules
// sloctl generates are loaded into a second, real Prometheus.
//
// The package has no code of its own; everything is in its tests.
package cli
