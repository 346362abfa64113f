package bus

import (
	"sync"
	"sync/atomic"
)

// later is how a handler settles its message after it returns.
type later struct {
	finish   func(error) // settles the message by the error, once
	track    *sync.WaitGroup
	once     sync.Once // the settling
	called   sync.Once // the later call
	deferred atomic.Bool
}

// Later hands the settling of d's message to the caller: the handler
// returns nil at once, and the message is acked, retried or dead-lettered
// when the returned func is called with the handler's outcome, as a
// returned error would have. Until then it is in hand (ConsumerSpec.InHand
// bounds how many are), and a consumer that stops waits for it as for a
// handler still running; one never settled is redelivered after AckWait.
// A handler that calls Later and then returns an error is settled by that
// error, and the later call does nothing.
//
// This frees the handler's worker while the rest of its work waits on
// something slow, such as a write batched with others.
func (d Delivery) Later() func(error) {
	l := d.later
	if l.deferred.CompareAndSwap(false, true) {
		l.track.Add(1)
	}
	return func(err error) {
		l.called.Do(func() {
			l.once.Do(func() { l.finish(err) })
			l.track.Done()
		})
	}
}

// returned is the handler's return: it settles the message unless the
// handler deferred it and returned nil.
func (l *later) returned(err error) {
	if err == nil && l.deferred.Load() {
		return
	}
	l.once.Do(func() { l.finish(err) })
}
