package main

// The Kubernetes manifests of docs/deploying.md: they parse, fit
// together (selectors, ports, Secrets, ConfigMaps, volumes) and run slod
// with flags it has.

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/testing/kubetest"
	"github.com/slo-dev/slo/internal/testing/recipetest"
)

// kubeObjects decodes every document of a YAML block; each must be a
// Kubernetes object.
func kubeObjects(t *testing.T, f fence) []located[map[string]any] {
	t.Helper()
	var out []located[map[string]any]
	dec := yaml.NewDecoder(strings.NewReader(f.text))
	for i := 1; ; i++ {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out
		}
		where := fmt.Sprintf("%s (document %d)", f.at(0), i)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			return out
		}
		kind, _ := obj["kind"].(string)
		if api, _ := obj["apiVersion"].(string); api == "" || kind == "" {
			t.Errorf("%s: not a Kubernetes object: no apiVersion or kind", where)
			continue
		}
		name, _ := recipetest.Dig(t, obj, "metadata", "name").(string)
		out = append(out, located[map[string]any]{fmt.Sprintf("%s %s %s", where, kind, name), obj})
	}
}

// kube holds the manifests by kind and name.
type kube map[string]map[string]located[map[string]any]

func (k kube) get(kind, name string) (located[map[string]any], bool) {
	o, ok := k[kind][name]
	return o, ok
}

// checkKube checks that the manifests hang together and run slod as the
// page says.
func checkKube(t *testing.T, cli slodCLI, facts *deployingFacts) {
	t.Helper()
	objs := kube{}
	for _, o := range facts.objects {
		kind, _ := o.v["kind"].(string)
		name, _ := recipetest.Dig(t, o.v, "metadata", "name").(string)
		if objs[kind] == nil {
			objs[kind] = map[string]located[map[string]any]{}
		}
		objs[kind][name] = o
	}
	for _, kind := range []string{"Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "Secret"} {
		if len(objs[kind]) == 0 {
			t.Errorf("%s: no %s", deployingDoc, kind)
		}
	}
	for _, cm := range objs["ConfigMap"] {
		checkSpecs(t, cm)
	}
	for _, d := range objs["Deployment"] {
		checkDeployment(t, cli, objs, d, facts)
	}
}

// checkSpecs mounts a ConfigMap as the kubelet does and loads it as slod
// does: every key a service, no problems, no warnings.
func checkSpecs(t *testing.T, cm located[map[string]any]) {
	t.Helper()
	data, _ := recipetest.Dig(t, cm.v, "data").(map[string]any)
	files := map[string]string{}
	for k, v := range data {
		s, ok := v.(string)
		if !ok {
			t.Errorf("%s: data %s is not a string", cm.where, k)
		}
		files[k] = s
	}
	dir := t.TempDir()
	kubetest.NewConfigMap(t, dir, files)
	loaded := slo.Sources{Paths: []string{dir}}.Discover().LoadAll()
	for _, p := range append(loaded.Problems, loaded.Warnings...) {
		t.Errorf("%s: %s:%d: %s: %s", cm.where, filepath.Base(p.File), p.Line, p.Field, p.Message)
	}
	if len(loaded.Specs) != len(files) {
		t.Errorf("%s: %d keys loaded as %d services", cm.where, len(files), len(loaded.Specs))
	}
}

// downward are example values of the downward API's fields, for $(VAR)
// expansion in args.
var downward = map[string]string{"metadata.name": "slod-6f7c9d8b5-x2k4q", "status.podIP": "10.1.2.3", "metadata.namespace": "slod"}

var kubeVarRE = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkDeployment checks the Deployment's slod container against slod's
// flags and the other manifests.
func checkDeployment(t *testing.T, cli slodCLI, objs kube, d located[map[string]any], facts *deployingFacts) {
	t.Helper()
	if n, _ := recipetest.Dig(t, d.v, "spec", "replicas").(int); n < 3 {
		t.Errorf("%s: %d replicas; the page promises 3", d.where, n)
	}
	podLabels, _ := recipetest.Dig(t, d.v, "spec", "template", "metadata", "labels").(map[string]any)
	checkSelector(t, d.where, recipetest.Dig(t, d.v, "spec", "selector", "matchLabels"), podLabels)
	for _, s := range objs["Service"] {
		checkSelector(t, s.where, recipetest.Dig(t, s.v, "spec", "selector"), podLabels)
	}
	for _, pdb := range objs["PodDisruptionBudget"] {
		checkSelector(t, pdb.where, recipetest.Dig(t, pdb.v, "spec", "selector", "matchLabels"), podLabels)
	}

	pod := recipetest.Dig(t, d.v, "spec", "template", "spec")
	c := slodContainer(t, d)
	where := d.where + " container slod"
	args, slodEnv := containerCommand(t, objs, where, c, facts)
	cli.checkRun(t, where+" args", args, slodEnv)
	checkPorts(t, objs, where, c, args, facts)

	// Non-root, with a read-only root file system: every path slod writes
	// must be on a writable volume (checkMounts).
	if recipetest.Dig(t, pod, "securityContext", "runAsNonRoot") != true && recipetest.Dig(t, c, "securityContext", "runAsNonRoot") != true {
		t.Errorf("%s: runAsNonRoot is not set", where)
	}
	if recipetest.Dig(t, c, "securityContext", "readOnlyRootFilesystem") != true {
		t.Errorf("%s: readOnlyRootFilesystem is not set", where)
	}
	checkMounts(t, objs, where, pod, c, args, slodEnv)
	for _, name := range slices.Sorted(maps.Keys(slodEnv)) {
		cli.checkEnv(t, where+" env", name)
	}
}

// checkSelector checks that a selector picks the Deployment's pods.
func checkSelector(t *testing.T, where string, sel any, podLabels map[string]any) {
	t.Helper()
	m, _ := sel.(map[string]any)
	if len(m) == 0 {
		t.Errorf("%s: empty selector", where)
	}
	for k, v := range m {
		if podLabels[k] != v {
			t.Errorf("%s: selector %s=%v does not match the pods' labels %v", where, k, v, podLabels)
		}
	}
}

// containerCommand is the container's args with $(VAR) expanded as the
// kubelet does, and its SLOD_* variables. Secrets it reads must be on the
// page with their keys.
func containerCommand(t *testing.T, objs kube, where string, c map[string]any, facts *deployingFacts) (args []string, slodEnv map[string]string) {
	t.Helper()
	vars, slodEnv := map[string]string{}, map[string]string{}
	envList, _ := c["env"].([]any)
	for _, e := range envList {
		name, _ := recipetest.Dig(t, e, "name").(string)
		value, literal := recipetest.Dig(t, e, "value").(string)
		switch {
		case literal:
		case recipetest.Dig(t, e, "valueFrom", "fieldRef") != nil:
			value = downward[recipetest.String(t, e, "valueFrom", "fieldRef", "fieldPath")]
		case recipetest.Dig(t, e, "valueFrom", "secretKeyRef") != nil:
			ref := recipetest.Dig(t, e, "valueFrom", "secretKeyRef")
			checkSecretKey(t, objs, where+" env "+name, recipetest.String(t, ref, "name"), recipetest.String(t, ref, "key"))
			value = "from-a-secret"
		}
		vars[name] = value
		if strings.HasPrefix(name, "SLOD_") {
			slodEnv[name] = value
		}
		if strings.HasPrefix(value, "postgres://") {
			facts.pgURLs = append(facts.pgURLs, located[string]{where + " env " + name, value})
		}
	}
	rawArgs, _ := c["args"].([]any)
	for _, a := range rawArgs {
		s, _ := a.(string)
		args = append(args, kubeVarRE.ReplaceAllStringFunc(s, func(ref string) string {
			v, ok := vars[ref[2:len(ref)-1]]
			if !ok {
				t.Errorf("%s: %s in %q is no variable of the container; the kubelet leaves it as it is", where, ref, s)
			}
			return v
		}))
	}
	return args, slodEnv
}

// checkPorts checks that --listen, --advertise-url, the containerPort,
// the probes, the Service's targetPort and the page's port-forward agree.
func checkPorts(t *testing.T, objs kube, where string, c map[string]any, args []string, facts *deployingFacts) {
	t.Helper()
	listenValue, ok := flagValue(args, "listen")
	if !ok {
		t.Fatalf("%s: no --listen", where)
	}
	listen := port(t, where, listenValue)
	if host, _, _ := net.SplitHostPort(listenValue); host != "0.0.0.0" && host != "" {
		t.Errorf("%s: --listen %s: probes and the Service reach the pod on its IP", where, listenValue)
	}
	if adv, ok := flagValue(args, "advertise-url"); ok {
		if u, err := url.Parse(adv); err != nil || port(t, where, u.Host) != listen {
			t.Errorf("%s: --advertise-url %s does not name --listen's port %d", where, adv, listen)
		}
	}
	named := map[string]int{}
	ports, _ := c["ports"].([]any)
	for _, p := range ports {
		n, _ := recipetest.Dig(t, p, "containerPort").(int)
		if n != listen {
			t.Errorf("%s: containerPort %d, --listen port %d", where, n, listen)
		}
		if name, ok := recipetest.Dig(t, p, "name").(string); ok {
			named[name] = n
		}
	}
	// resolve checks a port given by number or by the container's name for it.
	resolve := func(where string, p any) {
		n, isNum := p.(int)
		if name, isName := p.(string); isName {
			var found bool
			if n, found = named[name]; !found {
				t.Errorf("%s: port %q is not a named port of the container", where, name)
				return
			}
		} else if !isNum {
			t.Errorf("%s: port %v is neither a number nor a name", where, p)
			return
		}
		if n != listen {
			t.Errorf("%s: port %v is %d, --listen port %d", where, p, n, listen)
		}
	}
	for probe, wantPath := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		get := recipetest.Dig(t, c, probe, "httpGet")
		if get == nil {
			t.Errorf("%s: no %s.httpGet", where, probe)
			continue
		}
		if p := recipetest.Dig(t, get, "path"); p != wantPath {
			t.Errorf("%s: %s path %v, want %s", where, probe, p, wantPath)
		}
		resolve(where+" "+probe, recipetest.Dig(t, get, "port"))
	}
	for _, s := range objs["Service"] {
		svcPorts, _ := recipetest.Dig(t, s.v, "spec", "ports").([]any)
		for _, p := range svcPorts {
			resolve(s.where+" targetPort", recipetest.Dig(t, p, "targetPort"))
			for _, fwd := range facts.portForwards {
				if n, _ := recipetest.Dig(t, p, "port").(int); n != fwd.v[1] {
					t.Errorf("%s: port-forward to port %d, the Service's is %d", fwd.where, fwd.v[1], n)
				}
			}
		}
	}
}

// slodContainer is the Deployment's container named slod.
func slodContainer(t *testing.T, d located[map[string]any]) map[string]any {
	t.Helper()
	containers, _ := recipetest.Dig(t, d.v, "spec", "template", "spec", "containers").([]any)
	for _, c := range containers {
		if m, ok := c.(map[string]any); ok && m["name"] == "slod" {
			return m
		}
	}
	t.Fatalf("%s: no container named slod", d.where)
	return nil
}

func checkSecretKey(t *testing.T, objs kube, where, name, key string) {
	t.Helper()
	s, ok := objs.get("Secret", name)
	if !ok {
		t.Errorf("%s: no Secret %q on the page", where, name)
		return
	}
	if recipetest.Dig(t, s.v, "stringData", key) == nil && recipetest.Dig(t, s.v, "data", key) == nil {
		t.Errorf("%s: Secret %q has no key %q", where, name, key)
	}
}

// checkMounts checks the files slod reads and writes against the volumes:
// --slos is a mounted ConfigMap of the page, --dead-letter-path is on a
// writable volume, and the sslrootcert of SLOD_DB is a key of a mounted
// Secret.
func checkMounts(t *testing.T, objs kube, where string, pod any, c map[string]any, args []string, env map[string]string) {
	t.Helper()
	volumes := map[string]any{}
	vols, _ := recipetest.Dig(t, pod, "volumes").([]any)
	for _, v := range vols {
		volumes[recipetest.String(t, v, "name")] = v
	}
	type mount struct {
		volume   any
		readOnly bool
	}
	mounts := map[string]mount{}
	list, _ := c["volumeMounts"].([]any)
	for _, m := range list {
		v, ok := volumes[recipetest.String(t, m, "name")]
		if !ok {
			t.Errorf("%s: volumeMount %v names no volume", where, m)
		}
		mounts[recipetest.String(t, m, "mountPath")] = mount{v, recipetest.Dig(t, m, "readOnly") == true}
	}

	slos, _ := flagValue(args, "slos")
	if m, ok := mounts[slos]; !ok || recipetest.Dig(t, m.volume, "configMap") == nil {
		t.Errorf("%s: --slos %q is not a mounted ConfigMap", where, slos)
	} else if _, ok := objs.get("ConfigMap", recipetest.String(t, m.volume, "configMap", "name")); !ok {
		t.Errorf("%s: --slos mounts a ConfigMap that is not on the page", where)
	}
	if dl, ok := flagValue(args, "dead-letter-path"); !ok {
		t.Errorf("%s: no --dead-letter-path: the default is next to --db, on the read-only root", where)
	} else if m, ok := mounts[filepath.Dir(dl)]; !ok || m.readOnly {
		t.Errorf("%s: --dead-letter-path %s is not on a writable volume", where, dl)
	}
	u, err := url.Parse(env["SLOD_DB"])
	if err != nil {
		t.Fatalf("%s: SLOD_DB: %v", where, err)
	}
	if ca := u.Query().Get("sslrootcert"); ca != "" {
		m, ok := mounts[filepath.Dir(ca)]
		if !ok || recipetest.Dig(t, m.volume, "secret") == nil {
			t.Errorf("%s: sslrootcert %s is not in a mounted Secret", where, ca)
			return
		}
		secret := recipetest.String(t, m.volume, "secret", "secretName")
		items, _ := recipetest.Dig(t, m.volume, "secret", "items").([]any)
		found := false
		for _, it := range items {
			if recipetest.String(t, it, "path") == filepath.Base(ca) {
				found = true
				checkSecretKey(t, objs, where+" sslrootcert", secret, recipetest.String(t, it, "key"))
			}
		}
		if !found {
			t.Errorf("%s: sslrootcert %s is not an item of Secret %s's volume", where, ca, secret)
		}
	}
}
