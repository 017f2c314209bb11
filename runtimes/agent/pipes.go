package main

import (
	"os"
	"syscall"
)

// outputPipes are a command's stdout and stderr pipes, read by one loop.
//
// Two reader goroutines (one per pipe) race each other: a line the script
// wrote to stdout just before one on stderr could reach the host second. One
// loop over epoll keeps the order in which the pipes became readable (the
// kernel's ready list is first in, first out), reading one chunk per ready
// pipe per turn, so the host receives the frames in the order written as far
// as two pipes can tell.
type outputPipes struct {
	stdoutWriter, stderrWriter *os.File
	readers                    map[int]byte // read end fd -> frame kind
}

func newOutputPipes() (*outputPipes, error) {
	p := &outputPipes{readers: map[int]byte{}}
	for _, kind := range []byte{frameStdout, frameStderr} {
		var fds [2]int
		if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC); err != nil {
			p.closeWriters()
			p.closeReaders()
			return nil, err
		}
		if err := syscall.SetNonblock(fds[0], true); err != nil {
			_ = syscall.Close(fds[0])
			_ = syscall.Close(fds[1])
			p.closeWriters()
			p.closeReaders()
			return nil, err
		}
		p.readers[fds[0]] = kind
		writer := os.NewFile(uintptr(fds[1]), "output")
		if kind == frameStdout {
			p.stdoutWriter = writer
		} else {
			p.stderrWriter = writer
		}
	}
	return p, nil
}

func (p *outputPipes) closeWriters() {
	for _, f := range []*os.File{p.stdoutWriter, p.stderrWriter} {
		if f != nil {
			_ = f.Close()
		}
	}
}

func (p *outputPipes) closeReaders() {
	for fd := range p.readers {
		_ = syscall.Close(fd)
		delete(p.readers, fd)
	}
}

// pump sends what the pipes carry as frames until both reach end of file, or
// until stop is closed; then it closes the read ends.
func (p *outputPipes) pump(w *frameWriter, stop <-chan struct{}) {
	defer p.closeReaders()
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		_ = w.write(frameStderr, []byte("stellascript-agent: cannot read the output: "+err.Error()+"\n"))
		return
	}
	defer syscall.Close(epfd)
	for fd := range p.readers {
		event := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, &event); err != nil {
			_ = w.write(frameStderr, []byte("stellascript-agent: cannot read the output: "+err.Error()+"\n"))
			return
		}
	}
	events := make([]syscall.EpollEvent, len(p.readers))
	buf := make([]byte, 32*1024)
	for len(p.readers) > 0 {
		select {
		case <-stop:
			return
		default:
		}
		n, err := syscall.EpollWait(epfd, events, 100)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return
		}
		for _, event := range events[:n] {
			fd := int(event.Fd)
			if !p.readOnce(fd, buf, w) {
				_ = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_DEL, fd, nil)
				_ = syscall.Close(fd)
				delete(p.readers, fd)
			}
		}
	}
}

// readOnce sends one chunk of fd; false at end of file or on a read error.
func (p *outputPipes) readOnce(fd int, buf []byte, w *frameWriter) bool {
	n, err := syscall.Read(fd, buf)
	if n > 0 {
		// A host that stopped listening is not a reason to stop draining:
		// the script would block on a full pipe.
		_ = w.write(p.readers[fd], buf[:n])
		return true
	}
	return err == syscall.EAGAIN || err == syscall.EINTR
}
