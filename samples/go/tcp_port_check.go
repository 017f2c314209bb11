// TCP port check: can we connect to these host:port targets — and, just as
// important after a firewall change, can we NOT connect to those?
//
// Every target is dialed concurrently (at most 64 at a time) with a timeout;
// a target is "open" when the TCP handshake completes. Run it with network
// "host" (or "bridge") to reach anything outside the sandbox.
//
// Arguments (args.json, all strings):
//
//	targets         ""      host:port targets that must accept connections,
//	                        separated by commas, spaces or newlines
//	                        (IPv6 as [::1]:443)
//	closed_targets  ""      host:port targets that must NOT accept connections
//	timeout_ms      "2000"  per-target connect timeout, in milliseconds (1-600000)
//
// At least one of targets and closed_targets must be given.
//
// Output (stdout, JSON):
//
//	{"healthy": true, "timeout_ms": 2000, "passed": 2, "failed": 0,
//	 "results": [{"target": "db:5432", "host": "db", "port": 5432,
//	              "expect": "open", "open": true, "ok": true,
//	              "latency_ms": 0.4, "error": ""}, ...]}
//
// "error" classifies why a connection failed: "refused", "timeout",
// "dns" (the name did not resolve), "unreachable", or the raw error text.
// Results come in the order the targets were given.
//
// Exit codes: 0 healthy (every target as expected), 1 a target was not as
// expected, 2 bad arguments (message on stderr, nothing on stdout).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const argsFile = "/scripts/args.json"
const maxParallel = 64

var knownArguments = []string{"targets", "closed_targets", "timeout_ms"}

type target struct {
	Raw    string
	Host   string
	Port   int
	Expect string
}

type result struct {
	Target    string  `json:"target"`
	Host      string  `json:"host"`
	Port      int     `json:"port"`
	Expect    string  `json:"expect"`
	Open      bool    `json:"open"`
	OK        bool    `json:"ok"`
	LatencyMs float64 `json:"latency_ms"`
	Error     string  `json:"error"`
}

type report struct {
	Healthy   bool     `json:"healthy"`
	TimeoutMs int      `json:"timeout_ms"`
	Passed    int      `json:"passed"`
	Failed    int      `json:"failed"`
	Results   []result `json:"results"`
}

func badArguments(format string, values ...any) {
	fmt.Fprintf(os.Stderr, "tcp_port_check: bad arguments: "+format+"\n", values...)
	os.Exit(2)
}

func readArgs() map[string]string {
	args := map[string]string{}
	data, err := os.ReadFile(argsFile)
	if errors.Is(err, os.ErrNotExist) {
		return args
	}
	if err != nil {
		badArguments("cannot read %s: %v", argsFile, err)
	}
	if err := json.Unmarshal(data, &args); err != nil {
		badArguments("%s must hold a JSON object of strings: %v", argsFile, err)
	}
	var unknown []string
	for name := range args {
		known := false
		for _, candidate := range knownArguments {
			known = known || name == candidate
		}
		if !known {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		badArguments("unknown argument(s): %s; known: %s", strings.Join(unknown, ", "), strings.Join(knownArguments, ", "))
	}
	return args
}

func parseTargets(text, expect string) []target {
	var targets []target
	fields := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
	for _, raw := range fields {
		host, portText, err := net.SplitHostPort(raw)
		if err != nil || host == "" {
			badArguments("target %q must look like host:port (IPv6 as [::1]:443)", raw)
		}
		port, err := strconv.Atoi(portText)
		if err != nil || port < 1 || port > 65535 {
			badArguments("target %q has port %q; ports are 1-65535", raw, portText)
		}
		targets = append(targets, target{Raw: raw, Host: host, Port: port, Expect: expect})
	}
	return targets
}

// classify turns a dial error into a short, stable word where it can.
func classify(err error) string {
	var dnsError *net.DNSError
	var netError net.Error
	switch {
	case errors.As(err, &dnsError):
		return "dns"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.As(err, &netError) && netError.Timeout():
		return "timeout"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	}
	return err.Error()
}

func check(t target, timeout time.Duration) result {
	started := time.Now()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(t.Host, strconv.Itoa(t.Port)), timeout)
	elapsed := float64(time.Since(started).Microseconds()) / 1000
	r := result{Target: t.Raw, Host: t.Host, Port: t.Port, Expect: t.Expect, LatencyMs: elapsed}
	if err == nil {
		conn.Close()
		r.Open = true
	} else {
		r.Error = classify(err)
	}
	r.OK = r.Open == (t.Expect == "open")
	return r
}

func main() {
	args := readArgs()
	timeoutMs := 2000
	if text := strings.TrimSpace(args["timeout_ms"]); text != "" {
		value, err := strconv.Atoi(text)
		if err != nil || value < 1 || value > 600000 {
			badArguments("timeout_ms must be a whole number of milliseconds between 1 and 600000, got %q", text)
		}
		timeoutMs = value
	}
	targets := append(parseTargets(args["targets"], "open"), parseTargets(args["closed_targets"], "closed")...)
	if len(targets) == 0 {
		badArguments("give at least one host:port in targets (must be open) or closed_targets (must be closed)")
	}

	results := make([]result, len(targets))
	slots := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Add(1)
		go func(i int, t target) {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			results[i] = check(t, time.Duration(timeoutMs)*time.Millisecond)
		}(i, t)
	}
	wg.Wait()

	out := report{TimeoutMs: timeoutMs, Results: results}
	for _, r := range results {
		if r.OK {
			out.Passed++
		} else {
			out.Failed++
		}
	}
	out.Healthy = out.Failed == 0
	encoded, _ := json.MarshalIndent(out, "", "  ")
	fmt.Println(string(encoded))
	if !out.Healthy {
		os.Exit(1)
	}
}
