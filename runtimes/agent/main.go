// stellascript-agent is the first process of every Stella Script runtime
// container. It listens on a Unix socket in a directory the host bind-mounts
// into the container, and runs the commands the host sends it: a compile step
// and then the script itself. Talking over a socket instead of the engine's
// exec API keeps a warm run down to the runtime's own start-up time.
//
// Protocol, one request per connection:
//
//	host  -> agent: one JSON line {"argv": [...], "env": {...}, "cwd": "...",
//	                "mkdirs": [...]}, or {"archive": "/work/build"},
//	                or {"archive_file": "/work/x.json"}, or {"ping": true}
//	agent -> host:  frames of [kind byte][uint32 big-endian length][payload]
//	                kind 1 = stdout bytes, 2 = stderr bytes,
//	                kind 3 = final JSON report (exit code, signal, peak memory,
//	                the writable filesystems that filled up).
//
// An archive request sends the folder as a tar stream in stdout frames: /work
// is a tmpfs inside the container, so a compile step's output reaches the
// host's compile cache this way. An archive_file request sends one regular
// file the same way (a run's outputs), or an empty tar when there is none.
//
// The script, not the agent, is what the kernel kills when the container runs
// out of memory: its oom_score_adj is raised to the maximum, and the agent
// lowers its own as far as it may.
//
// When the process ends, everything left in its process group is killed. The
// host still removes the whole container after each execution, which is what
// guarantees that daemons escaping the group die too.
package main

import (
	"archive/tar"
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
	Ping    bool              `json:"ping"`
	Argv    []string          `json:"argv"`
	Env     map[string]string `json:"env"`
	Cwd     string            `json:"cwd"`
	Mkdirs  []string          `json:"mkdirs"`
	Archive string            `json:"archive"`
	// One regular file, e.g. the run's $STELLASCRIPT_OUTPUT.
	ArchiveFile string `json:"archive_file"`
}

// writablePaths are the run's own size-limited filesystems: one that is full
// when (or while) the command fails is why it failed.
var writablePaths = []string{"/work", "/tmp"}

// fullPollInterval: how often a running command's filesystems are checked, so
// that a file written until ENOSPC and deleted before exit is still noticed.
const fullPollInterval = 100 * time.Millisecond

type report struct {
	ExitCode    int    `json:"exit_code"`
	Signal      int    `json:"signal,omitempty"`
	MaxRSSBytes int64  `json:"max_rss_bytes"`
	OOMKills    int64  `json:"oom_kills"`
	StartError  string `json:"start_error,omitempty"`
	DurationNs  int64  `json:"duration_ns"`
	Ready       bool   `json:"ready,omitempty"`
	// FullFilesystems lists the writablePaths that had no free block or
	// inode left at some check during the command.
	FullFilesystems []string `json:"full_filesystems,omitempty"`
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

// isFull says whether a filesystem has no block or no inode left.
func isFull(path string) bool {
	var stat syscall.Statfs_t
	if err := syscall.Statfs(path, &stat); err != nil {
		return false
	}
	return stat.Bfree == 0 || (stat.Files > 0 && stat.Ffree == 0)
}

// fullWatcher records which writable filesystems were ever full while a
// command ran.
type fullWatcher struct {
	mu   sync.Mutex
	full map[string]bool
	stop chan struct{}
	done chan struct{}
}

func watchFull() *fullWatcher {
	f := &fullWatcher{full: map[string]bool{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		ticker := time.NewTicker(fullPollInterval)
		defer ticker.Stop()
		for {
			f.check()
			select {
			case <-f.stop:
				return
			case <-ticker.C:
			}
		}
	}()
	return f
}

func (f *fullWatcher) check() {
	for _, path := range writablePaths {
		if isFull(path) {
			f.mu.Lock()
			f.full[path] = true
			f.mu.Unlock()
		}
	}
}

// finish stops polling, checks once more and returns the full filesystems.
func (f *fullWatcher) finish() []string {
	close(f.stop)
	<-f.done
	f.check()
	f.mu.Lock()
	defer f.mu.Unlock()
	var paths []string
	for _, path := range writablePaths {
		if f.full[path] {
			paths = append(paths, path)
		}
	}
	return paths
}

// makeOOMVictim raises a process's oom_score_adj to the maximum. Raising is
// allowed to an unprivileged process; the tiny window between start and
// this write is before the command has run any of its own code.
func makeOOMVictim(pid int) {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/oom_score_adj", pid), []byte("1000"), 0)
}

// protectSelf lowers the agent's oom_score_adj as far as it is permitted (a
// process without CAP_SYS_RESOURCE may not go below its starting value).
func protectSelf() {
	for _, value := range []string{"-1000", "-500", "0"} {
		if os.WriteFile("/proc/self/oom_score_adj", []byte(value), 0) == nil {
			return
		}
	}
}

func runCommand(req request, w *frameWriter, conn net.Conn) report {
	for _, dir := range req.Mkdirs {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return report{ExitCode: 127, StartError: err.Error()}
		}
	}
	cmd := exec.Command(req.Argv[0], req.Argv[1:]...)
	cmd.Env = childEnv(req.Env)
	cmd.Dir = req.Cwd
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pipes, err := newOutputPipes()
	if err != nil {
		return report{ExitCode: 127, StartError: err.Error()}
	}
	cmd.Stdout, cmd.Stderr = pipes.stdoutWriter, pipes.stderrWriter
	oomBefore := oomKills()
	started := time.Now()
	startErr := cmd.Start()
	pipes.closeWriters() // the child has its copies; EOF comes when it (and its children) close theirs
	if startErr != nil {
		pipes.closeReaders()
		return report{ExitCode: 127, StartError: startErr.Error()}
	}
	makeOOMVictim(cmd.Process.Pid)
	full := watchFull()
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
	stopPump := make(chan struct{})
	drained := make(chan struct{})
	go func() {
		pipes.pump(w, stopPump)
		close(drained)
	}()
	// Wait for the process itself, not for its pipes: a background child
	// holding stdout open must not keep the run alive after the script ends.
	state, waitErr := cmd.Process.Wait()
	rep := report{DurationNs: time.Since(started).Nanoseconds(), FullFilesystems: full.finish()}
	// Children the script left behind in its group go with it.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-drained:
	case <-time.After(drainGrace):
		// A daemon that left the group (setsid) still holds the pipes; stop
		// reading them. The host removes the container, which kills it.
		close(stopPump)
		<-drained
	}
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

// frameStream is an io.Writer of stdout frames.
type frameStream struct{ w *frameWriter }

func (s frameStream) Write(p []byte) (int, error) {
	if err := s.w.write(frameStdout, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// sendArchive streams root as a tar of its regular files and folders (names
// relative to root) in stdout frames.
func sendArchive(root string, w *frameWriter) report {
	return sendTar(w, func(archive *tar.Writer) error {
		return filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, err := filepath.Rel(root, path)
			if err != nil || rel == "." {
				return err
			}
			if !info.Mode().IsRegular() && !info.IsDir() {
				return fmt.Errorf("%s: only files and folders can be sent, not %s", rel, info.Mode().Type())
			}
			return writeEntry(archive, path, rel, info)
		})
	})
}

// sendFile streams one regular file as a tar of that one entry (its base
// name); a missing file sends an empty tar, anything else (a link, a folder)
// an error.
func sendFile(path string, w *frameWriter) report {
	return sendTar(w, func(archive *tar.Writer) error {
		info, err := os.Lstat(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file (%s)", filepath.Base(path), info.Mode().Type())
		}
		return writeEntry(archive, path, filepath.Base(path), info)
	})
}

func sendTar(w *frameWriter, fill func(*tar.Writer) error) report {
	buffered := bufio.NewWriterSize(frameStream{w}, 256*1024)
	archive := tar.NewWriter(buffered)
	err := fill(archive)
	if err == nil {
		err = archive.Close()
	}
	if err == nil {
		err = buffered.Flush()
	}
	if err != nil {
		return report{ExitCode: 1, StartError: "archive: " + err.Error()}
	}
	return report{}
}

func writeEntry(archive *tar.Writer, path, name string, info os.FileInfo) error {
	header, err := tar.FileInfoHeader(info, "")
	if err != nil {
		return err
	}
	header.Name = filepath.ToSlash(name)
	if err := archive.WriteHeader(header); err != nil {
		return err
	}
	if info.IsDir() {
		return nil
	}
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = io.Copy(archive, file)
	return err
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
	if req.Archive != "" {
		sendReport(w, sendArchive(req.Archive, w))
		return
	}
	if req.ArchiveFile != "" {
		sendReport(w, sendFile(req.ArchiveFile, w))
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
	protectSelf()
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
