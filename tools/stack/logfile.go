package stack

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"
)

// StartLogged runs bin like Start, but the service writes its output
// straight into logPath (created if missing, appended to otherwise), so the
// log keeps every line even if whoever started the service dies. Lines
// written from now on are also copied to echo, prefixed with the name.
func StartLogged(bin, name, addr string, env []string, logPath string, echo io.Writer) (*Proc, error) {
	f, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", name, err)
	}
	defer f.Close() // the child keeps its own descriptor
	from, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("log of %s: %w", name, err)
	}
	cmd := exec.Command(bin, "--http-addr="+addr)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = procAttr()
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, Addr: addr, cmd: cmd, done: make(chan struct{})}
	exited := make(chan struct{})
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		follow(logPath, from, name, echo, exited)
	}()
	go func() {
		p.err = cmd.Wait()
		close(exited)
		p.wg.Wait()
		close(p.done)
	}()
	return p, nil
}

// follow copies the lines appended to path after offset from to echo until
// exited is closed, then the rest. A file has no end-of-writer signal, so it
// polls.
func follow(path string, from int64, name string, echo io.Writer, exited <-chan struct{}) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(echo, "%-20s | cannot follow log: %v\n", name, err)
		return
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var partial []byte
	drain := func() {
		for {
			line, err := r.ReadBytes('\n')
			partial = append(partial, line...)
			if err != nil {
				return
			}
			fmt.Fprintf(echo, "%-20s | %s", name, partial)
			partial = partial[:0]
		}
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-exited:
			drain()
			if len(partial) > 0 {
				fmt.Fprintf(echo, "%-20s | %s\n", name, partial)
			}
			return
		case <-tick.C:
			drain()
		}
	}
}
