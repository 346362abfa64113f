package official

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// year2027 is a test fixture shaped like a State Council notice (only
// 元旦), not the real 2027 arrangement.
const year2027 = `year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
  date: 2026-11-20
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-03"]
`

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func day(s string) time.Time {
	d, _ := time.ParseInLocation(time.DateOnly, s, workday.Zone)
	return d
}

// A year file dropped into the dir of a running service is taken at the
// next check; a bad one dropped over it later replaces nothing and is
// counted as refused.
func TestReloaderTakesAYearFileDroppedWhileRunning(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewPedanticRegistry()
	r, err := LoadLive(slog.New(slog.DiscardHandler), reg, "tuijin_deadline", dir, nov2026)
	if err != nil {
		t.Fatal(err)
	}
	cal := r.Calendar()
	due := func() string { return workday.Add(cal, day("2026-12-15"), 15).Format(time.DateOnly) }
	if years, err := r.Check(); err != nil || len(years) != 0 || cal.Covers(2027) || due() != "2027-01-05" {
		t.Fatalf("unchanged dir: years %v err %v covers 2027 %v due %s", years, err, cal.Covers(2027), due())
	}
	write(t, dir, "2027.yaml", year2027)
	years, err := r.Check()
	if err != nil || len(years) != 1 || years[0] != 2027 {
		t.Fatalf("after the drop: years %v, %v", years, err)
	}
	if !cal.Covers(2027) || due() != "2027-01-06" || cal.Holiday(day("2027-01-01")) != "元旦" {
		t.Fatalf("2027 not taken: covers %v due %s", cal.Covers(2027), due())
	}
	if n, ok := r.Files().Notice(2027); !ok || !strings.Contains(n.Title, "2027") {
		t.Errorf("2027's source: %+v %v", n, ok)
	}
	// A bad file over the good one: refused, the good 2027 stays.
	write(t, dir, "2027.yaml", "year: 2027\nholidays: [oops\n")
	if years, err := r.Check(); err != nil || len(years) != 0 {
		t.Fatalf("after a bad file: years %v, %v", years, err)
	}
	if !cal.Covers(2027) || due() != "2027-01-06" {
		t.Fatalf("a bad file replaced the good 2027: covers %v due %s", cal.Covers(2027), due())
	}
	want := `
# HELP tuijin_deadline_calendar_files_refused Year files of the calendar dir that were refused at its last load (they do not parse or contradict themselves).
# TYPE tuijin_deadline_calendar_files_refused gauge
tuijin_deadline_calendar_files_refused 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "tuijin_deadline_calendar_files_refused"); err != nil {
		t.Error(err)
	}
}

// Run calls changed at start, after a reload, and again at the next check
// while it fails.
func TestReloaderRunFollowsTheDir(t *testing.T) {
	dir := t.TempDir()
	r, err := LoadLive(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), "x", dir, nov2026)
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan []int, 10)
	fail := true
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- r.Run(ctx, 10*time.Millisecond, func(_ context.Context, years []int) error {
			calls <- years
			if len(years) > 0 && fail {
				fail = false
				return context.DeadlineExceeded
			}
			return nil
		})
	}()
	if got := <-calls; len(got) != 0 {
		t.Fatalf("start: %v", got)
	}
	write(t, dir, "2027.yaml", year2027)
	if got := <-calls; len(got) != 1 || got[0] != 2027 {
		t.Fatalf("after the drop: %v", got)
	}
	if got := <-calls; len(got) != 1 || got[0] != 2027 {
		t.Fatalf("retry after a failure: %v", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-calls:
		t.Errorf("called again after success: %v", got)
	default:
	}
}
