package coverage

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/workday"
)

func TestGaugeAndWarning(t *testing.T) {
	cal, _, err := workday.Load("")
	if err != nil {
		t.Fatal(err)
	}
	now := clock.Func(func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, workday.Zone) })
	reg := prometheus.NewPedanticRegistry()
	Register(reg, "tuijin_deadline_calendar_year_covered", cal, now)
	want := `
# HELP tuijin_deadline_calendar_year_covered 1 if the working-day calendar has the official holiday arrangement of the current or next year, else 0.
# TYPE tuijin_deadline_calendar_year_covered gauge
tuijin_deadline_calendar_year_covered{which="current"} 1
tuijin_deadline_calendar_year_covered{which="next"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	var buf bytes.Buffer
	WarnMissing(slog.New(slog.NewTextHandler(&buf, nil)), cal, now)
	if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "year=2027") {
		t.Errorf("no warning for 2027: %q", buf.String())
	}
}
