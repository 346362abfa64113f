package calendar

import (
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/workday"
)

// WarnMissing logs a warning for each of the current and next year that the
// calendar has no holiday data for: deadlines running into such a year count
// its statutory holidays as working days until its file is added.
func WarnMissing(log *slog.Logger, cal *workday.Official, c clock.Clock) {
	for _, y := range cal.MissingYears(c.Now()) {
		log.Warn("working-day calendar has no holiday data for a year; add its arrangement file to the calendar dir",
			"year", y, "file", strconv.Itoa(y)+".yaml")
	}
}

// RegisterCoverage exports tuijin_deadline_calendar_year_covered{which}:
// 1 when the calendar has the current (or next) year's arrangement, 0 when
// not. It is read at scrape, so it follows the turn of the year.
func RegisterCoverage(reg prometheus.Registerer, cal *workday.Official, c clock.Clock) {
	for _, which := range []string{"current", "next"} {
		offset := 0
		if which == "next" {
			offset = 1
		}
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "tuijin_deadline_calendar_year_covered",
			Help:        "1 if the working-day calendar has the official holiday arrangement of the current or next year, else 0.",
			ConstLabels: prometheus.Labels{"which": which},
		}, func() float64 {
			if cal.Covers(c.Now().In(workday.Zone).Year() + offset) {
				return 1
			}
			return 0
		}))
	}
}
