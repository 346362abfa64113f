package stack

import "syscall"

// procAttr puts a service in its own process group, so that Ctrl-C at the
// terminal reaches the launcher only, which stops the services in order.
// Pdeathsig asks the kernel to send SIGTERM to the service when the process
// that started it dies, even by SIGKILL, so that a killed launcher or test
// leaves no service running on its own. The kernel ties it to the starting
// thread; the Go runtime does not end threads of goroutines that are not
// locked to one, and nothing here locks.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
