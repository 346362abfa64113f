// Package official loads the official working-day calendar for a service,
// the same way in every service that counts working days: the calendar
// dir (TUIJIN_CALENDAR_DIR) over the shipped files and the library, refused
// year files logged as errors, years without data warned about, and both
// exported as gauges read at scrape.
package official

import (
	"log/slog"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// Load returns the official calendar of dir (see workday.Load) for the
// service whose metrics are named prefix (e.g. tuijin_deadline): it exports
// <prefix>_calendar_year_covered{which} and
// <prefix>_calendar_files_refused, logs each refused file as an error and
// each of the current and next year without data as a warning. Only a dir
// that cannot be read is an error: a bad year file replaces nothing.
func Load(log *slog.Logger, reg prometheus.Registerer, prefix, dir string, c clock.Clock) (*workday.Official, *workday.Files, error) {
	cal, files, err := workday.Load(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range files.Refused() {
		log.Error("year file refused; its year keeps the arrangement it had", "file", r.File, "err", r.Err)
	}
	WarnMissing(log, cal, c)
	Register(reg, prefix+"_calendar_year_covered", cal, c)
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: prefix + "_calendar_files_refused",
		Help: "Year files of the calendar dir that were refused at start (they do not parse or contradict themselves).",
	}, func() float64 { return float64(len(files.Refused())) }))
	return cal, files, nil
}

// WarnMissing logs a warning for each of the current and next year that the
// calendar has no holiday data for: due dates running into such a year count
// its statutory holidays as working days until its file is added.
func WarnMissing(log *slog.Logger, cal *workday.Official, c clock.Clock) {
	for _, y := range cal.MissingYears(c.Now()) {
		log.Warn("working-day calendar has no holiday data for a year; add its arrangement file to the calendar dir",
			"year", y, "file", strconv.Itoa(y)+".yaml")
	}
}

// Register exports name{which}, e.g. tuijin_deadline_calendar_year_covered:
// 1 when the calendar has the current (or next) year's arrangement, 0 when
// not. It is read at scrape, so it follows the turn of the year.
func Register(reg prometheus.Registerer, name string, cal workday.Coverer, c clock.Clock) {
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
