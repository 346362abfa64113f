package deadline

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
)

// A due date that runs into a year without official data is provisional and
// counted on weekends only there; once that year's file is in, the same
// assignment is due later (元旦 off) and no longer provisional.
func TestProvisionalYears(t *testing.T) {
	without := official(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "2027.yaml"), []byte(`year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知
  date: 2026-11-10
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-03"]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	with, files, err := workday.Load(dir)
	if err != nil || len(files.Refused()) > 0 {
		t.Fatal(err, files.Refused())
	}
	tests := []struct {
		name        string
		cal         workday.Calendar
		start       string
		days        int
		due         string
		provisional bool
	}{
		{"within 2026", without, "2026-11-23", 5, "2026-11-30", false},
		{"into 2027 without its notice: 元旦 counted", without, "2026-12-15", 15, "2027-01-05", true},
		{"into 2027 with its file: 元旦 off", with, "2026-12-15", 15, "2027-01-06", false},
		{"ends on 2026-12-31", without, "2026-12-24", 5, "2026-12-31", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, err := time.ParseInLocation(time.DateOnly, tt.start, workday.Zone)
			if err != nil {
				t.Fatal(err)
			}
			d := ForItem(tt.cal, item(start.Add(10*time.Hour), tt.days, false))
			if d.DueDate != tt.due || d.Provisional != tt.provisional {
				t.Errorf("due %s provisional %v, want %s %v", d.DueDate, d.Provisional, tt.due, tt.provisional)
			}
		})
	}
}
