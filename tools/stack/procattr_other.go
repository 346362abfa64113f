//go:build !linux

package stack

import "syscall"

// procAttr puts a service in its own process group, so that Ctrl-C at the
// terminal reaches the launcher only. Outside Linux there is no parent-death
// signal: a SIGKILLed launcher leaves its services running.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
