// TCP port check: can these host:port targets be reached — and, just as
// important after a firewall change, can those NOT be reached?
//
// Every target is dialed concurrently (at most 64 at a time) with a timeout;
// a target is "open" when the TCP handshake completes. Run it with network
// "host" (or "bridge", or against a target container) to reach anything
// outside the sandbox.
//
// /// stellascript
// [parameters.targets]
// type = "string"
// default = ""
// description = "host:port targets that must accept connections (commas, spaces or newlines between; IPv6 as [::1]:443)"
// [parameters.closed_targets]
// type = "string"
// default = ""
// description = "host:port targets that must NOT accept connections"
// [parameters.timeout_ms]
// type = "integer"
// default = 2000
// minimum = 1
// maximum = 600000
// description = "Per-target connect timeout, in milliseconds"
// ///
//
// Arguments: the parameters above; at least one target in all.
// Output: one ✓/✗ line per target; $STELLASCRIPT_OUTPUT gets {healthy,
// passed, failed, timeout_ms, results: [{target, host, port, expect, open,
// ok, latency_ms, error}]}, "error" being "refused", "timeout", "dns",
// "unreachable" or the raw error text.
// Exit codes: 0 every target as expected, 1 a target was not, 2 bad
// arguments (a target that is not host:port, none at all).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const maxParallel = 64

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
	fmt.Fprintf(os.Stderr, "✗ bad arguments: "+format+"\n", values...)
	os.Exit(2)
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
	// Arguments arrive checked against the parameters above, defaults filled in.
	args := map[string]string{}
	if data, err := os.ReadFile("/scripts/args.json"); err == nil {
		if err := json.Unmarshal(data, &args); err != nil {
			badArguments("/scripts/args.json: %v", err)
		}
	}
	timeoutMs, err := strconv.Atoi(args["timeout_ms"])
	if err != nil {
		timeoutMs = 2000
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
		state := "closed (" + r.Error + ")"
		if r.Open {
			state = "open"
		}
		mark := "✓"
		if r.OK {
			out.Passed++
		} else {
			out.Failed++
			mark = "✗"
		}
		fmt.Printf("%s %s is %s, expected %s (%.1f ms)\n", mark, r.Target, state, r.Expect, r.LatencyMs)
	}
	out.Healthy = out.Failed == 0
	fmt.Printf("%d of %d targets as expected\n", out.Passed, len(results))
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
