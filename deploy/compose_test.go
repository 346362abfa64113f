package deploy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"

	"github.com/tuijin/tuijin/deploy/grafana"
)

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	wd, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory(wd),
		cli.WithEnv(nil), // not the caller's environment: the defaults in the file
		cli.WithName("tuijin"),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load compose.yaml: %v", err)
	}
	return p
}

// TestComposeMonitoring checks the operations part of the compose stack:
// Prometheus scrapes every service on its port, and Grafana is provisioned
// with that Prometheus and with the generated operations dashboard from
// files that exist.
func TestComposeMonitoring(t *testing.T) {
	p := loadCompose(t)

	var prom struct {
		ScrapeConfigs []struct {
			MetricsPath   string `json:"metrics_path"`
			StaticConfigs []struct {
				Targets []string `json:"targets"`
			} `json:"static_configs"`
		} `json:"scrape_configs"`
	}
	readYAML(t, "prometheus.yml", &prom)
	var targets []string
	for _, sc := range prom.ScrapeConfigs {
		if sc.MetricsPath != "/metrics" {
			t.Errorf("metrics_path %q", sc.MetricsPath)
		}
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	for _, svc := range services {
		if want := fmt.Sprintf("%s:%d", svc.name, svc.port); !slices.Contains(targets, want) {
			t.Errorf("Prometheus does not scrape %s (targets %v)", want, targets)
		}
	}

	mounts := func(name string) map[string]string { // target → source
		sc, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, v := range sc.Volumes {
			if v.Type == types.VolumeTypeBind {
				if _, err := os.Stat(v.Source); err != nil {
					t.Errorf("%s mounts %s: %v", name, v.Source, err)
				}
				m[v.Target] = v.Source
			}
		}
		return m
	}
	if src := mounts("prometheus")["/etc/prometheus/prometheus.yml"]; filepath.Base(src) != "prometheus.yml" {
		t.Errorf("prometheus config mounted from %q", src)
	}

	g := mounts("grafana")
	var ds struct {
		Datasources []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"datasources"`
	}
	readYAML(t, filepath.Join(g["/etc/grafana/provisioning"], "datasources", "prometheus.yaml"), &ds)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].URL != "http://prometheus:9090" {
		t.Errorf("grafana datasources %+v", ds.Datasources)
	}
	var providers struct {
		Providers []struct {
			Options struct {
				Path string `json:"path"`
			} `json:"options"`
		} `json:"providers"`
	}
	readYAML(t, filepath.Join(g["/etc/grafana/provisioning"], "dashboards", "tuijin.yaml"), &providers)
	if len(providers.Providers) != 1 {
		t.Fatalf("dashboard providers %+v", providers.Providers)
	}
	dir := g[providers.Providers[0].Options.Path]
	if dir == "" {
		t.Fatalf("the dashboard provider reads %s, which nothing is mounted on", providers.Providers[0].Options.Path)
	}
	got, err := os.ReadFile(filepath.Join(dir, "tuijin-operations.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := grafana.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Error("the mounted dashboard is not the generated one: run make dashboards")
	}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Only the fields the test models are read; the rest of the file is
	// the tool's own.
	if err := yaml.Unmarshal(raw, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestCompose(t *testing.T) {
	p := loadCompose(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dockerfile, err := filepath.Abs("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}

	wantNames := []string{"nats", "mongodb", "prometheus", "grafana"}
	for _, svc := range services {
		wantNames = append(wantNames, svc.name)
	}
	slices.Sort(wantNames)
	if got := p.ServiceNames(); !slices.Equal(sorted(got), wantNames) {
		t.Errorf("compose services %v, want %v", sorted(got), wantNames)
	}

	// Every published port is on loopback only.
	for name, sc := range p.Services {
		for _, port := range sc.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes %s:%d on %q, want 127.0.0.1", name, port.Published, port.Target, port.HostIP)
			}
		}
		for _, v := range sc.Environment {
			if v != nil && credentialURL.MatchString(*v) {
				t.Errorf("%s: credentials in environment value %q", name, *v)
			}
		}
	}

	for _, svc := range services {
		t.Run(svc.name, func(t *testing.T) {
			sc, err := p.GetService(svc.name)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Build == nil {
				t.Fatalf("no build section")
			}
			if sc.Build.Context != root {
				t.Errorf("build context %q, want the repository root %q", sc.Build.Context, root)
			}
			df := sc.Build.Dockerfile
			if !filepath.IsAbs(df) {
				df = filepath.Join(sc.Build.Context, df)
			}
			if df != dockerfile {
				t.Errorf("dockerfile %q, want %q", df, dockerfile)
			}
			if a := sc.Build.Args["SERVICE"]; a == nil || *a != svc.name {
				t.Errorf("build arg SERVICE = %v, want %q", a, svc.name)
			}
			if len(sc.Ports) != 1 {
				t.Fatalf("ports %+v, want exactly one", sc.Ports)
			}
			port := sc.Ports[0]
			if port.Target != uint32(svc.port) || port.Published != strconv.Itoa(int(svc.port)) || port.HostIP != "127.0.0.1" {
				t.Errorf("port %+v, want 127.0.0.1:%d:%d", port, svc.port, svc.port)
			}
			env := map[string]string{}
			for k, v := range sc.Environment {
				if v != nil {
					env[k] = *v
				}
			}
			for k, v := range map[string]string{
				"TUIJIN_HTTP_ADDR":      fmt.Sprintf("0.0.0.0:%d", svc.port),
				"TUIJIN_MONGO_DATABASE": svc.database,
				"TUIJIN_NATS_URL":       natsURL,
				"TUIJIN_NATS_REPLICAS":  "1",
				"TUIJIN_LOG_LEVEL":      "info",
			} {
				if env[k] != v {
					t.Errorf("%s = %q, want %q", k, env[k], v)
				}
			}
			if u := env["TUIJIN_MONGO_URI"]; !strings.HasPrefix(u, "mongodb://mongodb:27017/") || !strings.Contains(u, "replicaSet=rs0") {
				t.Errorf("TUIJIN_MONGO_URI = %q, want the rs0 replica set on mongodb:27017", u)
			}
			for _, dep := range []string{"nats", "mongodb"} {
				d, ok := sc.DependsOn[dep]
				if !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("depends_on %s = %+v, want condition %s", dep, d, types.ServiceConditionHealthy)
				}
			}
			if !sc.ReadOnly {
				t.Errorf("read_only not set")
			}
		})
	}

	t.Run("mongodb", func(t *testing.T) {
		sc, err := p.GetService("mongodb")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sc.Image, "mongo:7") {
			t.Errorf("image %q, want mongo:7", sc.Image)
		}
		if cmd := strings.Join(sc.Command, " "); !strings.Contains(cmd, "--replSet rs0") {
			t.Errorf("command %q lacks --replSet rs0", cmd)
		}
		if sc.HealthCheck == nil || !strings.Contains(strings.Join(sc.HealthCheck.Test, " "), "rs.initiate") {
			t.Errorf("healthcheck must initiate rs0: %+v", sc.HealthCheck)
		}
		checkComposePorts(t, sc, 27017)
	})
	t.Run("nats", func(t *testing.T) {
		sc, err := p.GetService("nats")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(sc.Image, "nats:2.11") {
			t.Errorf("image %q, want nats:2.11", sc.Image)
		}
		if cmd := strings.Join(sc.Command, " "); !strings.Contains(cmd, "-js") || !strings.Contains(cmd, "-sd /data") {
			t.Errorf("command %q lacks -js -sd /data", cmd)
		}
		if sc.HealthCheck == nil || len(sc.HealthCheck.Test) == 0 {
			t.Errorf("nats has no healthcheck")
		}
		checkComposePorts(t, sc, 4222)
	})
}

func checkComposePorts(t *testing.T, sc types.ServiceConfig, want uint32) {
	t.Helper()
	if !slices.ContainsFunc(sc.Ports, func(p types.ServicePortConfig) bool {
		return p.Target == want && p.Published == strconv.Itoa(int(want))
	}) {
		t.Errorf("%s does not publish %d: %+v", sc.Name, want, sc.Ports)
	}
}

// ---------------------------------------------------------------------------
// Dockerfile

func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	var args []string
	build, pkgs := "", ""
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, f[1])
		case "USER":
			users = append(users, f[1])
		case "ARG":
			args = append(args, f[1])
		}
		if strings.Contains(line, "go build") {
			build = line
		}
		if strings.Contains(line, "pkg=") {
			pkgs += line
		}
	}
	if len(froms) < 2 || froms[0] != "golang:1.26" {
		t.Errorf("FROM %v: want a golang:1.26 build stage and a runtime stage", froms)
	}
	if !slices.Contains(args, "SERVICE") {
		t.Errorf("no ARG SERVICE")
	}
	// The services and the portal live in ./services/<name>/cmd/<name>,
	// tuijin-ops (the provisioning Job's) in ./tools/cmd/tuijin-ops.
	if !strings.Contains(build, `-o /out/svc "${pkg}"`) || !strings.Contains(pkgs, `pkg="./services/${SERVICE}/cmd/${SERVICE}"`) ||
		!strings.Contains(pkgs, `pkg="./tools/cmd/${SERVICE}"`) {
		t.Errorf("go build line %q must build ${pkg}, ./services/${SERVICE}/cmd/${SERVICE} or ./tools/cmd/${SERVICE} (%q), to /out/svc", build, pkgs)
	}
	if len(users) == 0 || users[len(users)-1] == "0" || strings.HasPrefix(users[len(users)-1], "root") || strings.HasPrefix(users[len(users)-1], "0:") {
		t.Errorf("runtime USER %v must be unprivileged", users)
	}
	if !strings.Contains(string(raw), `ENTRYPOINT ["/svc"]`) {
		t.Errorf(`no ENTRYPOINT ["/svc"]`)
	}
	// Each service the image is built for has its main package where the
	// Dockerfile looks for it.
	dirs := []string{filepath.Join("..", "services", portalName, "cmd", portalName), filepath.Join("..", "tools", "cmd", "tuijin-ops")}
	for _, svc := range services {
		dirs = append(dirs, filepath.Join("..", "services", svc.name, "cmd", svc.name))
	}
	for _, dir := range dirs {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			t.Errorf("%s: %v", dir, err)
		}
	}
	// The Dockerfile-specific ignore file keeps what the build needs.
	ignore, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(ignore), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, needed := range []string{"go.work", "pkg", "services", "tools", "deploy", "proto", "e2e"} {
			if line == needed || line == needed+"/" || line == "*" || line == "**" {
				t.Errorf("Dockerfile.dockerignore excludes %q, which the build needs", line)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Helpers
