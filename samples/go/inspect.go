// Container inspect: check the container a run targets — the service that was
// just deployed — from the inside of its network.
//
// Run it with target: {container: NAME_OR_ID} (the Run form's Target, or the
// execute body): the run then joins the target's network namespace, so
// localhost is the target, and /scripts/target.json describes it (id, name,
// image, labels, state, health, exposed ports, the names of its environment
// variables — never their values). It checks that the container is running,
// healthy when it has a health check, from the expected image, labelled and
// configured as required, and that each exposed TCP port accepts
// connections on localhost.
//
// /// stellascript
// [parameters.image]
// type = "string"
// default = ""
// description = "The image the target must run (a prefix: \"registry/app\" or \"registry/app:1.4\"; empty: any)"
// [parameters.required_labels]
// type = "string"
// default = ""
// description = "Labels it must carry: name or name=value, comma-separated"
// [parameters.required_env]
// type = "string"
// default = ""
// description = "Environment variables it must set (names, comma-separated)"
// [parameters.probe_ports]
// type = "boolean"
// default = true
// description = "Connect to every exposed TCP port on localhost"
// [parameters.timeout_ms]
// type = "integer"
// default = 2000
// minimum = 1
// maximum = 60000
// description = "Per port probe"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: a ✓/✗ line per check; $STELLASCRIPT_OUTPUT gets {container, id,
// image, state, health, healthy, checks: [{name, ok, detail}]}.
// Exit codes: 0 every check passed, 1 a check failed, 2 the run has no
// target (no /scripts/target.json).
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

type target struct {
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Image            string            `json:"image"`
	Labels           map[string]string `json:"labels"`
	State            string            `json:"state"`
	Health           *string           `json:"health"`
	ExposedPorts     []string          `json:"exposed_ports"`
	EnvironmentNames []string          `json:"environment_names"`
}

type check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

type report struct {
	Container string  `json:"container"`
	ID        string  `json:"id"`
	Image     string  `json:"image"`
	State     string  `json:"state"`
	Health    *string `json:"health"`
	Healthy   bool    `json:"healthy"`
	Checks    []check `json:"checks"`
}

func list(text string) []string {
	var items []string
	for _, item := range strings.Split(text, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// shortImage drops the registry prefixes Docker Hub names imply (Podman reports
// "docker.io/library/nginx:1" where Docker says "nginx:1").
func shortImage(image string) string {
	for _, prefix := range []string{"docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"} {
		if strings.HasPrefix(image, prefix) {
			return strings.TrimPrefix(image, prefix)
		}
	}
	return image
}

func main() {
	args := map[string]string{}
	if data, err := os.ReadFile("/scripts/args.json"); err == nil {
		_ = json.Unmarshal(data, &args)
	}
	data, err := os.ReadFile("/scripts/target.json")
	if err != nil {
		fmt.Println("✗ this run has no target container: run it with target: {container: NAME_OR_ID}")
		os.Exit(2)
	}
	var t target
	if err := json.Unmarshal(data, &t); err != nil {
		fmt.Printf("✗ /scripts/target.json does not parse: %v\n", err)
		os.Exit(2)
	}

	out := report{Container: t.Name, ID: t.ID, Image: t.Image, State: t.State, Health: t.Health}
	add := func(name string, ok bool, detail string) {
		out.Checks = append(out.Checks, check{name, ok, detail})
		mark := "✓"
		if !ok {
			mark = "✗"
		}
		fmt.Printf("%s %s\n", mark, detail)
	}

	add("state", t.State == "running", fmt.Sprintf("%s (%.12s) is %s", t.Name, t.ID, t.State))
	if t.Health != nil {
		add("health", *t.Health == "healthy", fmt.Sprintf("its health check says %s", *t.Health))
	}
	if image := args["image"]; image != "" {
		add("image", strings.HasPrefix(shortImage(t.Image), shortImage(image)), fmt.Sprintf("image %s (expected %s)", t.Image, image))
	}
	for _, wanted := range list(args["required_labels"]) {
		name, value, withValue := strings.Cut(wanted, "=")
		got, present := t.Labels[name]
		ok := present && (!withValue || got == value)
		detail := fmt.Sprintf("label %s is %q", name, got)
		if !present {
			detail = fmt.Sprintf("label %s is missing", name)
		}
		add("label "+name, ok, detail)
	}
	environment := map[string]bool{}
	for _, name := range t.EnvironmentNames {
		environment[name] = true
	}
	for _, name := range list(args["required_env"]) {
		state := "set"
		if !environment[name] {
			state = "not set"
		}
		add("env "+name, environment[name], fmt.Sprintf("environment variable %s is %s", name, state))
	}
	if args["probe_ports"] != "false" {
		timeout := 2 * time.Second
		if ms, err := time.ParseDuration(args["timeout_ms"] + "ms"); err == nil {
			timeout = ms
		}
		for _, exposed := range t.ExposedPorts {
			port, protocol, _ := strings.Cut(exposed, "/")
			if protocol != "" && protocol != "tcp" {
				continue
			}
			started := time.Now()
			conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", port), timeout)
			if err == nil {
				conn.Close()
				add("port "+port, true, fmt.Sprintf("port %s accepts connections (%.1f ms)", exposed, float64(time.Since(started).Microseconds())/1000))
			} else {
				add("port "+port, false, fmt.Sprintf("port %s does not accept connections: %v", exposed, err))
			}
		}
	}

	out.Healthy = true
	for _, c := range out.Checks {
		out.Healthy = out.Healthy && c.OK
	}
	if path := os.Getenv("STELLASCRIPT_OUTPUT"); path != "" {
		encoded, _ := json.Marshal(out)
		if err := os.WriteFile(path, encoded, 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "cannot write the outputs: %v\n", err)
		}
	}
	if !out.Healthy {
		os.Exit(1)
	}
}
