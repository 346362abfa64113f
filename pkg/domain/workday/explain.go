package workday

import "time"

// Weekend is the name a count gives an ordinary Saturday or Sunday it skips.
const Weekend = "周末"

// Namer names the holiday a date belongs to ("" for an ordinary date), as
// Official does.
type Namer interface {
	Holiday(d time.Time) string
}

// Run is a stretch of consecutive days off a count skipped, all of one name:
// the holiday they belong to (国庆节, 春节), or Weekend.
type Run struct {
	Name     string
	From, To time.Time // first and last day off, midnights in Zone
	Days     int
}

// Span is how n working days after start were counted (see Add): the date
// not counted, the working days counted, the days off skipped by name and
// the make-up working days (调休) counted among them, so that a person can
// check the count by hand.
type Span struct {
	Start   time.Time // start's date, which is not counted (for n == 0 it may be the day itself)
	First   time.Time // the first working day counted
	Last    time.Time // where the count ends: Add(cal, start, n)
	Counted int       // working days counted, n for n > 0 (1 for 即办件: the same working day)
	Skipped []Run
	MakeUp  []Entry // make-up working days counted, with their holiday's name
}

// Explain returns how Add(cal, start, n) counts. A calendar that is no
// Namer names every day off it skips Weekend on a Saturday or Sunday and ""
// otherwise. n < 0 is explained as 0.
func Explain(cal Calendar, start time.Time, n int) Span {
	n = max(n, 0)
	sp := Span{Start: Day(start), Last: Add(cal, start, n)}
	d := sp.Start.AddDate(0, 0, 1)
	if n == 0 {
		d = sp.Start
	}
	namer, _ := cal.(Namer)
	for ; !d.After(sp.Last); d = d.AddDate(0, 0, 1) {
		name := ""
		if namer != nil {
			name = namer.Holiday(d)
		}
		weekend := !(Weekends{}).IsWorkday(d)
		if cal.IsWorkday(d) {
			if sp.First.IsZero() {
				sp.First = d
			}
			sp.Counted++
			if weekend {
				sp.MakeUp = append(sp.MakeUp, Entry{Date: d, Name: name, Work: true})
			}
			continue
		}
		if name == "" && weekend {
			name = Weekend
		}
		if k := len(sp.Skipped) - 1; k >= 0 && sp.Skipped[k].Name == name && sp.Skipped[k].To.AddDate(0, 0, 1).Equal(d) {
			sp.Skipped[k].To = d
			sp.Skipped[k].Days++
			continue
		}
		sp.Skipped = append(sp.Skipped, Run{Name: name, From: d, To: d, Days: 1})
	}
	return sp
}
