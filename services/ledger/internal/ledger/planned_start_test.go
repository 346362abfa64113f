package ledger

import (
	"testing"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

func TestPlannedStart(t *testing.T) {
	p := projectIn(t, StageApproving)
	if _, err := p.UpdateProgress(ProgressUpdate{PlannedStart: "2027-03-01", Actor: "王芳", Version: p.Version},
		permit, workday.Weekends{}, monday); err != nil {
		t.Fatal(err)
	}
	if p.PlannedStart == nil || p.PlannedStart.String() != "2027-03-01" || p.Version != 2 || p.Stage != StageApproving {
		t.Fatalf("planned start %v, version %d, stage %s", p.PlannedStart, p.Version, p.Stage)
	}
	last := p.Progress[len(p.Progress)-1]
	if last.PlannedStart == nil || last.PlannedStart.String() != "2027-03-01" || last.From != "" {
		t.Fatalf("progress entry %+v", last)
	}
	// The same day again changes nothing, and says so.
	if _, err := p.UpdateProgress(ProgressUpdate{PlannedStart: "2027-03-01", Actor: "王芳", Version: p.Version},
		permit, workday.Weekends{}, monday); !isInvalid(err, "stage") || p.Version != 2 {
		t.Fatalf("the same planned start again: %v, version %d", err, p.Version)
	}
	// With a stage, in one update.
	if _, err := p.UpdateProgress(ProgressUpdate{Stage: StageStarted, OverrideReason: "先行开工", PlannedStart: "2027-02-01",
		Actor: "王芳", Version: p.Version}, permit, workday.Weekends{}, monday); err != nil {
		t.Fatal(err)
	}
	if p.PlannedStart.String() != "2027-02-01" || p.Stage != StageStarted {
		t.Fatalf("planned start %v, stage %s", p.PlannedStart, p.Stage)
	}
}
