// Package coverage reports the years the official calendar has no data for,
// the same way in every service that counts working days: a warning at start
// and a gauge read at scrape.
package coverage

import (
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/workday"
)

// WarnMissing logs a warning for each of the current and next year that the
// calendar has no holiday data for: due dates running into such a year count
// its statutory holidays as working days until its file is added.
func WarnMissing(log *slog.Logger, cal *workday.Official, c clock.Clock) {
	for _, y := range cal.MissingYears(c.Now()) {
		log.Warn("working-day calendar has no holiday data for a year; add its arrangement file to the calendar dir",
			"year", y, "file", strconv.Itoa(y)+".yaml")
	}
}

// Register exports <name>{which}, e.g. tuijin_deadline_calendar_year_covered:
// 1 when the calendar has the current (or next) year's arrangement, 0 when
// not. Each service names it under its own prefix. It is read at scrape, so
// it follows the turn of the year.
func Register(reg prometheus.Registerer, name string, cal *workday.Official, c clock.Clock) {
	for _, which := range []string{"current", "next"} {
		offset := 0
		if which == "next" {
			offset = 1
		}
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        name,
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
