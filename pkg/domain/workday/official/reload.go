package official

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Reloader keeps a live calendar in step with the calendar dir of a running
// service: a year file dropped into the dir (or replaced) is loaded without
// a restart, and refused, as at start, when it does not parse or contradicts
// itself, in which case its year keeps what it had. A dir that cannot be
// read keeps the calendar as it was.
type Reloader struct {
	dir   string
	cal   *workday.Live
	log   *slog.Logger
	files atomic.Pointer[workday.Files]

	mu  sync.Mutex // serialises Check
	sum [sha256.Size]byte
}

// LoadLive is Load for a service that follows its calendar dir while it
// runs (see Reloader): the same gauges, logs and refusals, read from the
// calendar last loaded.
func LoadLive(log *slog.Logger, reg prometheus.Registerer, prefix, dir string, c clock.Clock) (*Reloader, error) {
	r := &Reloader{dir: dir, log: log}
	sum, err := r.fingerprint()
	if err != nil {
		return nil, err
	}
	cal, files, err := workday.Load(dir)
	if err != nil {
		return nil, err
	}
	r.sum, r.cal = sum, workday.NewLive(cal)
	r.files.Store(files)
	r.logRefused(files)
	WarnMissing(log, cal, c)
	Register(reg, prefix+"_calendar_year_covered", r.cal, c)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: prefix + "_calendar_files_refused",
		Help: "Year files of the calendar dir that were refused at its last load (they do not parse or contradict themselves).",
	}, func() float64 { return float64(len(r.Files().Refused())) }))
	return r, nil
}

// Follow is LoadLive for a service that only counts on the calendar: it
// loads cfg's dir and hands the loop that follows it to run (e.g.
// platform.App.Go), checking every cfg.Poll, and returns the live calendar.
func Follow(log *slog.Logger, reg prometheus.Registerer, prefix string, cfg workday.Config, c clock.Clock,
	run func(func(context.Context) error)) (*workday.Live, error) {
	r, err := LoadLive(log, reg, prefix, cfg.Dir, c)
	if err != nil {
		return nil, err
	}
	run(func(ctx context.Context) error { return r.Run(ctx, cfg.Poll, nil) })
	return r.Calendar(), nil
}

// Calendar is the live calendar, replaced whenever the dir changes.
func (r *Reloader) Calendar() *workday.Live { return r.cal }

// Files are the year files of the calendar last loaded.
func (r *Reloader) Files() *workday.Files { return r.files.Load() }

// Official is the calendar in use now.
func (r *Reloader) Official() *workday.Official { return r.cal.Official() }

// Check reads the dir again if its year files changed since the last load,
// replaces the calendar with what they say, and returns the years now
// counted differently (none when nothing changed).
func (r *Reloader) Check() ([]int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum, err := r.fingerprint()
	if err != nil || sum == r.sum {
		return nil, err
	}
	files, err := workday.LoadOverrides(r.dir)
	if err != nil {
		return nil, err
	}
	files.KeepGood(r.Files())
	cal := workday.NewOfficial(files, workday.Lunar{})
	old := r.cal.Official()
	r.cal.Set(cal)
	r.files.Store(files)
	r.sum = sum
	r.logRefused(files)
	years := workday.ChangedYears(old, cal)
	r.log.Info("calendar dir changed; calendar reloaded", "dir", r.dir, "years_changed", years)
	return years, nil
}

// Run checks the dir every interval until ctx ends. changed is called at
// start (a file may have arrived while the service was down) and after
// every reload, with the years that changed (nil at start); when it fails,
// it is called again at the next check until it succeeds. A nil changed
// only reloads.
func (r *Reloader) Run(ctx context.Context, every time.Duration, changed func(ctx context.Context, years []int) error) error {
	if changed == nil {
		changed = func(context.Context, []int) error { return nil }
	}
	var pending []int
	retry := true
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		years, err := r.Check()
		if err != nil {
			r.log.Error("calendar dir could not be read; the calendar stays as it was", "dir", r.dir, "err", err)
		}
		if len(years) > 0 || retry {
			pending = append(pending, years...)
			if err := changed(ctx, pending); err != nil {
				r.log.Error("following the calendar's change failed; retried at the next check", "years", pending, "err", err)
				retry = true
			} else {
				pending, retry = nil, false
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (r *Reloader) logRefused(files *workday.Files) {
	for _, f := range files.Refused() {
		r.log.Error("year file refused; its year keeps the arrangement it had", "file", f.File, "err", f.Err)
	}
}

// fingerprint hashes the names and contents of the dir's year files.
func (r *Reloader) fingerprint() ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	if r.dir == "" {
		return sum, nil
	}
	names, err := fs.Glob(os.DirFS(r.dir), "*.yaml")
	if err != nil {
		return sum, fmt.Errorf("calendar dir: %w", err)
	}
	if _, err := os.Stat(r.dir); err != nil {
		return sum, fmt.Errorf("calendar dir: %w", err)
	}
	h := sha256.New()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(r.dir, n))
		if err != nil {
			return sum, fmt.Errorf("calendar dir: %w", err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
