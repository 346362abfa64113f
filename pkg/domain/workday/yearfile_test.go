package workday

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

const source2027 = "source:\n  title: 国务院办公厅关于2027年部分节假日安排的通知\n  date: 2026-11-10\n"

func TestOverrideDirAddsAndReplacesYears(t *testing.T) {
	dir := t.TempDir()
	// A next year's announcement arrives as data; a correction of 2026
	// replaces the shipped 2026 file entirely.
	writeFile(t, dir, "2027.yaml", "year: 2027\n"+source2027+`holidays:
  - name: 元旦
    off: ["2027-01-01"]
    work: ["2026-12-26"]
`)
	writeFile(t, dir, "2026.yaml", `year: 2026
source:
  title: 国务院办公厅关于2026年部分节假日安排的通知（更正）
  date: 2026-01-05
holidays:
  - name: 国庆节
    off: ["2026-10-01..2026-10-08"]
`)
	files, err := LoadOverrides(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r := files.Refused(); len(r) != 0 {
		t.Fatalf("refused %v", r)
	}
	cal := NewOfficial(files)
	if !cal.Covers(2027) {
		t.Fatal("2027 not covered after adding its file")
	}
	checks := map[string]bool{
		"2027-01-01": false, // from the new file
		"2026-12-26": true,  // its make-up Saturday, dated the year before
		"2026-10-08": false, // from the corrected 2026
		"2026-10-10": false, // Saturday: the correction has no make-up day
		"2026-02-16": true,  // the correction does not list 春节: an ordinary Monday
	}
	for d, want := range checks {
		if got := cal.IsWorkday(ymd(d)); got != want {
			t.Errorf("%s: working day %v, want %v", d, got, want)
		}
	}
	if o := files.Origin(2026); !strings.HasPrefix(o, dir) {
		t.Errorf("origin of 2026 = %q, want the override dir", o)
	}
	if n, _ := files.Notice(2026); !strings.HasSuffix(n.Title, "（更正）") || n.Date.Format(time.DateOnly) != "2026-01-05" {
		t.Errorf("notice of 2026 = %+v", n)
	}
	if o := files.Origin(2025); !strings.HasPrefix(o, "embedded:") {
		t.Errorf("origin of 2025 = %q", o)
	}
}

// Every shipped file names its notice, and those are the real ones.
func TestShippedFilesRecordTheirNotice(t *testing.T) {
	files, err := DefaultFiles()
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{2025: "国务院办公厅关于2025年部分节假日安排的通知 2024-11-12",
		2026: "国务院办公厅关于2026年部分节假日安排的通知 2025-11-04"}
	for _, y := range files.Years() {
		n, ok := files.Notice(y)
		if got := n.Title + " " + n.Date.Format(time.DateOnly); !ok || got != want[y] {
			t.Errorf("%d: notice %q, want %q", y, got, want[y])
		}
	}
}

// A year file that does not parse or contradicts itself is refused with a
// reason naming the file, and the year keeps what it had: here the shipped
// 2026 (国庆 10-01..07 off, 10-10 worked, its notice).
func TestBadYearFileNeverReplacesAGoodOne(t *testing.T) {
	const head = "year: 2026\nsource:\n  title: 更正\n  date: 2026-01-05\n"
	tests := []struct {
		name, body, why string
	}{
		{"not yaml", "year: [", "not a year file"},
		{"unknown field", head + "holiday:\n  - name: x\n", "field holiday not found"},
		{"no source", "year: 2026\nholidays:\n  - name: 国庆节\n    off: [\"2026-10-01\"]\n", "source.title missing"},
		{"bad source date", "year: 2026\nsource:\n  title: x\n  date: 2026-11\nholidays:\n  - name: 国庆节\n    off: [\"2026-10-01\"]\n", "source.date"},
		{"source date years away", "year: 2026\nsource:\n  title: x\n  date: 2019-11-04\nholidays:\n  - name: 国庆节\n    off: [\"2026-10-01\"]\n", "source.date"},
		{"bad date", head + "holidays:\n  - name: 国庆节\n    off: [\"2026-13-01\"]\n", `date "2026-13-01"`},
		{"both day off and make-up day", head + "holidays:\n  - name: 国庆节\n    off: [\"2026-10-01..2026-10-07\"]\n    work: [\"2026-10-04\"]\n", "2026-10-04 is both a day off and a make-up working day"},
		{"listed twice", head + "holidays:\n  - name: 国庆节\n    off: [\"2026-10-01\", \"2026-10-01\"]\n", "2026-10-01 listed twice"},
		{"overlapping holidays", head + "holidays:\n  - name: 中秋节\n    off: [\"2026-09-25..2026-10-01\"]\n  - name: 国庆节\n    off: [\"2026-10-01..2026-10-07\"]\n", "2026-10-01 listed twice"},
		{"date of another year", head + "holidays:\n  - name: 国庆节\n    off: [\"2025-10-01\"]\n", "2025-10-01 is outside 2026"},
		{"date of the next year", head + "holidays:\n  - name: 元旦\n    off: [\"2027-01-01\"]\n", "2027-01-01 is outside 2026"},
		{"weekday make-up day", head + "holidays:\n  - name: 国庆节\n    off: [\"2026-10-01\"]\n    work: [\"2026-10-09\"]\n", "already a weekday"},
		{"descending range", head + "holidays:\n  - name: 国庆节\n    off: [\"2026-10-07..2026-10-01\"]\n", "ascending range"},
		{"no name", head + "holidays:\n  - off: [\"2026-10-01\"]\n", "without a name"},
		{"no holidays", head, "no holidays"},
		{"make-up days only", head + "holidays:\n  - name: 国庆节\n    work: [\"2026-10-10\"]\n", "no days off"},
		{"another year's file name", "year: 2027\n" + source2027 + "holidays:\n  - name: 元旦\n    off: [\"2027-01-01\"]\n", "holds year 2027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "2026.yaml", tt.body)
			files, err := LoadOverrides(dir)
			if err != nil {
				t.Fatal(err)
			}
			r := files.Refused()
			if len(r) != 1 || r[0].File != dir+"/2026.yaml" || !strings.Contains(r[0].Error(), tt.why) {
				t.Fatalf("refused %v, want %s/2026.yaml: …%s…", r, dir, tt.why)
			}
			t.Log(r[0].Error())
			cal := NewOfficial(files)
			if cal.IsWorkday(ymd("2026-10-01")) || cal.IsWorkday(ymd("2026-10-07")) || !cal.IsWorkday(ymd("2026-10-10")) ||
				!cal.IsWorkday(ymd("2026-10-08")) || cal.Covers(2027) {
				t.Error("the shipped 2026 arrangement did not stay")
			}
			if n, _ := files.Notice(2026); n.Title != "国务院办公厅关于2026年部分节假日安排的通知" || !strings.HasPrefix(files.Origin(2026), "embedded:") {
				t.Errorf("2026 comes from %s (%s), want the shipped file", files.Origin(2026), n.Title)
			}
		})
	}
}

// A bad file refuses itself only: the good files beside it are taken, and a
// file whose dates of the year before clash with that year's file is
// refused.
func TestOneBadFileLeavesTheOthers(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "2027.yaml", "year: 2027\n"+source2027+`holidays:
  - name: 元旦
    off: ["2026-12-31..2027-01-01"]
`)
	writeFile(t, dir, "2026.yaml", `year: 2026
source:
  title: 国务院办公厅关于2026年部分节假日安排的通知（更正）
  date: 2026-01-05
holidays:
  - name: 国庆节
    off: ["2026-10-01..2026-10-07"]
  - name: 年末
    off: ["2026-12-31"]
`)
	writeFile(t, dir, "2028.yaml", "year: 2028\nholidays: [")
	files, err := LoadOverrides(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := files.Refused()
	if len(r) != 2 || r[0].File != dir+"/2027.yaml" || !strings.Contains(r[0].Error(), "2026-12-31 is also listed by "+dir+"/2026.yaml") ||
		r[1].File != dir+"/2028.yaml" {
		t.Fatalf("refused %v", r)
	}
	if !strings.HasPrefix(files.Origin(2026), dir) || files.Origin(2027) != "" {
		t.Errorf("2026 from %q, 2027 from %q", files.Origin(2026), files.Origin(2027))
	}
}

func TestEmbeddedFilesMustAllLoad(t *testing.T) {
	if _, err := LoadOverrides(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing override dir was accepted")
	}
	dir := t.TempDir()
	writeFile(t, dir, "2026.yaml", "year: 2026\n")
	if _, err := LoadFiles(os.DirFS(dir), "shipped:"); err == nil || !strings.Contains(err.Error(), "shipped:2026.yaml") {
		t.Errorf("LoadFiles took a bad file: %v", err)
	}
}
