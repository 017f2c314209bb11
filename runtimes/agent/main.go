// stellascript-agent is the first process of every Stella Script runtime
// container. It listens on a Unix socket in a directory the host bind-mounts
// into the container, and runs the commands the host sends it: a compile step
// and then the script itself. Talking over a socket instead of the engine's
// exec API keeps a warm run down to the runtime's own start-up time.
//
// Protocol, one request per connection:
//
//	host  -> agent: one JSON line {"argv": [...], "env": {...}, "cwd": "..."}
//	                or {"ping": true}
//	agent -> host:  frames of [kind byte][uint32 big-endian length][payload]
//	                kind 1 = stdout bytes, 2 = stderr bytes,
//	                kind 3 = final JSON report (exit code, signal, peak memory).
//
// When the process ends, everything left in its process group is killed. The
// host still removes the whole container after each execution, which is what
// guarantees that daemons escaping the group die too.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	frameStdout byte = 1
	frameStderr byte = 2
	frameReport byte = 3
)

// drainGrace is how long output may still arrive after the script and its
// process group are gone, before the pipes are closed.
const drainGrace = 2 * time.Second

type request struct {
	Ping bool              `json:"ping"`
	Argv []string          `json:"argv"`
	Env  map[string]string `json:"env"`
	Cwd  string            `json:"cwd"`
}

type report struct {
	ExitCode    int    `json:"exit_code"`
	Signal      int    `json:"signal,omitempty"`
	MaxRSSBytes int64  `json:"max_rss_bytes"`
	OOMKills    int64  `json:"oom_kills"`
	StartError  string `json:"start_error,omitempty"`
	DurationNs  int64  `json:"duration_ns"`
	Ready       bool   `json:"ready,omitempty"`
}

// frameWriter serialises frames from the stdout and stderr pumps.
type frameWriter struct {
	mu   sync.Mutex
	conn net.Conn
}

func (w *frameWriter) write(kind byte, payload []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	header := make([]byte, 5)
	header[0] = kind
	binary.BigEndian.PutUint32(header[1:], uint32(len(payload)))
	if _, err := w.conn.Write(header); err != nil {
		return err
	}
	_, err := w.conn.Write(payload)
	return err
}

func pump(r io.Reader, kind byte, w *frameWriter, done *sync.WaitGroup) {
	defer done.Done()
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			// A host that stopped listening is not a reason to stop draining:
			// the script would block on a full pipe.
			_ = w.write(kind, buf[:n])
		}
		if err != nil {
			return
		}
	}
}

// oomKills reads the kernel's count of OOM kills in this container's memory
// cgroup (v2 memory.events or v1 memory.oom_control); -1 when not visible.
func oomKills() int64 {
	for _, path := range []string{"/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"} {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			fields := strings.Fields(line)
			if len(fields) == 2 && fields[0] == "oom_kill" {
				if n, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
					return n
				}
			}
		}
	}
	return -1
}

func childEnv(extra map[string]string) []string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	for k, v := range extra {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func runCommand(req request, w *frameWriter, conn net.Conn) report {
	cmd := exec.Command(req.Argv[0], req.Argv[1:]...)
	cmd.Env = childEnv(req.Env)
	cmd.Dir = req.Cwd
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return report{ExitCode: 127, StartError: err.Error()}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return report{ExitCode: 127, StartError: err.Error()}
	}
	oomBefore := oomKills()
	started := time.Now()
	if err := cmd.Start(); err != nil {
		return report{ExitCode: 127, StartError: err.Error()}
	}
	// If the host hangs up (timeout, cancel), stop the whole group at once.
	hangup := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, conn)
		close(hangup)
	}()
	go func() {
		<-hangup
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}()
	var pumps sync.WaitGroup
	pumps.Add(2)
	go pump(stdout, frameStdout, w, &pumps)
	go pump(stderr, frameStderr, w, &pumps)
	// Wait for the process itself, not for its pipes: a background child
	// holding stdout open must not keep the run alive after the script ends.
	state, waitErr := cmd.Process.Wait()
	rep := report{DurationNs: time.Since(started).Nanoseconds()}
	// Children the script left behind in its group go with it.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	drained := make(chan struct{})
	go func() {
		pumps.Wait()
		close(drained)
	}()
	select {
	case <-drained:
	case <-time.After(drainGrace):
		// A daemon that left the group (setsid) still holds the pipes; stop
		// reading them. The host removes the container, which kills it.
		_ = stdout.Close()
		_ = stderr.Close()
		<-drained
	}
	_ = stdout.Close()
	_ = stderr.Close()
	reapOrphans()
	if state == nil {
		rep.ExitCode = 127
		rep.StartError = fmt.Sprint(waitErr)
		return rep
	}
	if usage, ok := state.SysUsage().(*syscall.Rusage); ok {
		rep.MaxRSSBytes = usage.Maxrss * 1024
	}
	if status, ok := state.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		rep.Signal = int(status.Signal())
		rep.ExitCode = 128 + rep.Signal
	} else {
		rep.ExitCode = state.ExitCode()
	}
	if after := oomKills(); after >= 0 && oomBefore >= 0 {
		rep.OOMKills = after - oomBefore
	} else {
		rep.OOMKills = -1
	}
	return rep
}

// reapOrphans collects the zombies of processes the command orphaned: the
// agent is PID 1, so they are re-parented to it, and uncollected they would
// count against the container's pids limit in the next step (compile, then
// run). The host sends one command at a time, so no other child is waited on.
func reapOrphans() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

func serve(conn net.Conn) {
	defer conn.Close()
	reader := bufio.NewReader(conn)
	line, err := reader.ReadBytes('\n')
	if err != nil {
		return
	}
	var req request
	w := &frameWriter{conn: conn}
	if err := json.Unmarshal(line, &req); err != nil {
		sendReport(w, report{ExitCode: 127, StartError: "bad request: " + err.Error()})
		return
	}
	if req.Ping {
		sendReport(w, report{Ready: true})
		return
	}
	if len(req.Argv) == 0 {
		sendReport(w, report{ExitCode: 127, StartError: "empty argv"})
		return
	}
	sendReport(w, runCommand(req, w, conn))
}

func sendReport(w *frameWriter, rep report) {
	payload, _ := json.Marshal(rep)
	_ = w.write(frameReport, payload)
}

// reserveThreads makes the Go runtime start n OS threads now and keep them
// idle for later. The agent shares the container's pids limit with the
// script: once a fork bomb has used up every pid, the runtime cannot create
// a thread it needs, which is fatal, and the run would end without a report.
func reserveThreads(n int) {
	var locked, release sync.WaitGroup
	locked.Add(n)
	release.Add(1)
	for i := 0; i < n; i++ {
		go func() {
			// A goroutine locked to its thread keeps that thread to itself
			// while it waits, so the runtime starts another for the next one.
			runtime.LockOSThread()
			locked.Done()
			release.Wait()
			runtime.UnlockOSThread() // the thread goes to the idle list, not away
		}()
	}
	locked.Wait()
	release.Done()
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: stellascript-agent SOCKET_PATH")
		os.Exit(2)
	}
	// Few processors and spare threads: the agent only shuffles bytes, and it
	// must never need a new thread while the script holds every pid.
	runtime.GOMAXPROCS(2)
	reserveThreads(8)
	socketPath := os.Args[1]
	_ = os.Remove(socketPath)
	// Listen under a temporary name and rename into place, so the host never
	// connects to a socket that is not accepting yet.
	tmpPath := filepath.Join(filepath.Dir(socketPath), ".agent-starting.sock")
	_ = os.Remove(tmpPath)
	listener, err := net.Listen("unix", tmpPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stellascript-agent:", err)
		os.Exit(1)
	}
	if err := os.Rename(tmpPath, socketPath); err != nil {
		fmt.Fprintln(os.Stderr, "stellascript-agent:", err)
		os.Exit(1)
	}
	for {
		conn, err := listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go serve(conn)
	}
}
