package official

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

var nov2026 = clock.Func(func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, workday.Zone) })

func TestLoadReportsMissingYearsAndRefusedFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2027.yaml"), []byte("year: 2027\nholidays: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	reg := prometheus.NewPedanticRegistry()
	cal, files, err := Load(slog.New(slog.NewTextHandler(&buf, nil)), reg, "tuijin_deadline", dir, nov2026)
	if err != nil {
		t.Fatal(err)
	}
	if cal.Covers(2027) || len(files.Refused()) != 1 {
		t.Fatalf("covers 2027 %v, refused %v", cal.Covers(2027), files.Refused())
	}
	want := `
# HELP tuijin_deadline_calendar_files_refused Year files of the calendar dir that were refused at start (they do not parse or contradict themselves).
# TYPE tuijin_deadline_calendar_files_refused gauge
tuijin_deadline_calendar_files_refused 1
# HELP tuijin_deadline_calendar_year_covered 1 if the working-day calendar has the official holiday arrangement of the current or next year, else 0.
# TYPE tuijin_deadline_calendar_year_covered gauge
tuijin_deadline_calendar_year_covered{which="current"} 1
tuijin_deadline_calendar_year_covered{which="next"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	log := buf.String()
	if !strings.Contains(log, "level=ERROR") || !strings.Contains(log, "2027.yaml") || !strings.Contains(log, "source.title missing") {
		t.Errorf("no error for the refused file: %q", log)
	}
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "year=2027") {
		t.Errorf("no warning for 2027: %q", log)
	}
	if _, _, err := Load(slog.New(slog.DiscardHandler), prometheus.NewRegistry(), "x", filepath.Join(dir, "missing"), nov2026); err == nil {
		t.Error("a missing calendar dir was accepted")
	}
}
