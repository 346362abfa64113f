package ledger

import (
	"slices"
	"sort"
	"strings"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// MinSamples is how many approved items a department needs in the ledger's
// history before its measured handling time replaces the catalog's promised
// days in a forecast: below it, a median of two or three items says more
// about those items than about the department.
const MinSamples = 5

// Sources of a forecast step's working days.
const (
	SourceFinished = "finished" // the item is approved: its real dates
	SourceMeasured = "measured" // the department's measured handling time
	SourceCatalog  = "catalog"  // the item's promised days (too little history)
)

// Handling is a department's measured handling time: the working days from
// the (last) assignment of an item to its approval, over every approved item
// of the department in the ledger's history, counted as the monthly
// statistics count them (workday.Count).
type Handling struct {
	Department string `json:"department"`
	Samples    int    `json:"samples"`
	Median     int    `json:"median_days"`
	P80        int    `json:"p80_days"`
	// Measured says Samples reach MinSamples, so forecasts use Median and
	// P80; otherwise they use each item's promised days.
	Measured bool `json:"measured"`
}

// HandlingTimes are the departments' handling times by department code.
type HandlingTimes map[string]Handling

// MeasureHandling measures every department's handling time over ps.
// Rejected, withdrawn and unfinished items do not count: only an approval
// says how long a department takes to get an item done.
func MeasureHandling(ps []Project, cal workday.Calendar) HandlingTimes {
	samples := map[string][]int{}
	for _, p := range ps {
		for _, it := range p.Items {
			if it.Status != StatusApproved || it.AssignedAt == nil || it.CompletedAt == nil || it.CompletedAt.Before(*it.AssignedAt) {
				continue
			}
			samples[it.Department] = append(samples[it.Department], workday.Count(cal, *it.AssignedAt, *it.CompletedAt))
		}
	}
	h := HandlingTimes{}
	for dept, days := range samples {
		sort.Ints(days)
		h[dept] = Handling{Department: dept, Samples: len(days), Median: nearestRank(days, 50), P80: nearestRank(days, 80),
			Measured: len(days) >= MinSamples}
	}
	return h
}

// nearestRank is the pct-th percentile of sorted by the nearest-rank
// method: the smallest value at least pct% of the samples do not exceed. It
// is always one of the samples, a whole number of working days.
func nearestRank(sorted []int, pct int) int {
	if len(sorted) == 0 {
		return 0
	}
	rank := (pct*len(sorted) + 99) / 100 // ceil(pct/100 · n)
	return sorted[max(rank, 1)-1]
}

// days is how many working days the forecast gives it: its department's
// median (or p80) once measured, else its promised days (0 for a 即办件).
func (h HandlingTimes) days(it Item, p80 bool) (int, string) {
	d, ok := h[it.Department]
	switch {
	case !ok || !d.Measured:
		return max(it.PromisedDays, 0), SourceCatalog
	case p80:
		return d.P80, SourceMeasured
	}
	return d.Median, SourceMeasured
}

// List is h sorted by department, for answers.
func (h HandlingTimes) List() []Handling {
	out := make([]Handling, 0, len(h))
	for _, d := range h {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Handling) int { return strings.Compare(a.Department, b.Department) })
	return out
}
