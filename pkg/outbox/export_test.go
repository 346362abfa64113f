package outbox

import "context"

// SweepSettled lets the tests drive Run's later sweeps one at a time.
func (r *Relay) SweepSettled(ctx context.Context) (int, error) { return r.sweepSettled(ctx) }
