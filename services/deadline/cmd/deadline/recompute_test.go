package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/bus"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// year2027 is a test fixture shaped like a State Council notice (only
// 元旦), not the real 2027 arrangement.
const year2027 = `year: 2027
source:
  title: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
  date: 2026-11-20
holidays:
  - name: 元旦
    off: ["2027-01-01..2027-01-03"]
`

// getJSON sends GET url as p would.
func getJSON(t *testing.T, p auth.Principal, url string, into any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testenv.Token(t, p))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if into != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: %v in %s", url, err, b)
		}
	}
	return resp.StatusCode
}

type deadlineAnswer struct {
	DueDate     string `json:"due_date"`
	Provisional bool   `json:"provisional"`
	Explanation struct {
		Sentence string `json:"sentence"`
	} `json:"explanation"`
}

// The service runs, as main wires it, over real NATS and FerretDB with an
// empty calendar dir. A 15-day item assigned on 2026-12-15 is provisional
// (2027 has no data) and due 2027-01-05. Then 2027's file is dropped into
// the dir, a bad file beside it: without a restart the calendar takes
// 2027, the deadline is due 2027-01-06 and no longer provisional, its
// explanation names 元旦, the refused file is listed, and the provisional
// gauge falls to 0.
func TestYearFileDroppedWhileRunningRecomputesProvisionalDeadlines(t *testing.T) {
	natsURL, js := testenv.JetStream(t)
	dir := t.TempDir()
	clk := clock.NewManual(time.Date(2026, 12, 15, 10, 0, 0, 0, workday.Zone), time.Millisecond)
	cfg := newConfig()
	base := testenv.ServiceAt(t, clk, "deadline", cfg, setup(cfg), "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t),
		"--mongo-database=tuijin_deadline_recompute", "--calendar-dir="+dir, "--calendar-poll=100ms")

	pub := bus.NewPublisher(js, noop.NewTracerProvider().Tracer("test"), bus.NewMetrics(prometheus.NewRegistry()))
	m, err := event.Build(context.Background(), event.ForDepartment(event.TypeItemAssigned, "sthj"), event.TypeItemAssigned, "ledger",
		event.Ref("item", "rc.eia"), clk.Now(), &ledgerv1.ItemAssigned{ItemId: "rc.eia", ItemName: "环评", ProjectCode: "P8",
			Department: "sthj", PromisedDays: 15, AssignedAt: timestamppb.New(clk.Now())})
	if err != nil {
		t.Fatal(err)
	}
	if err := pub.Publish(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	var d deadlineAnswer
	testenv.WaitFor(t, 30*time.Second, "the clock started", func() bool {
		return getJSON(t, testenv.Clerk("sthj"), base+"/v1/deadlines/item:rc.eia", &d) == http.StatusOK
	})
	if !d.Provisional || d.DueDate != "2027-01-05" {
		t.Fatalf("before the file: %+v", d)
	}

	// As an operator would: write elsewhere, then move into the dir.
	tmp := filepath.Join(t.TempDir(), "2027.yaml")
	if err := os.WriteFile(tmp, []byte(year2027), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2028.yaml"), []byte("year: 2028\nholidays: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "2027.yaml")); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 30*time.Second, "the deadline recomputed on 2027's file", func() bool {
		return getJSON(t, testenv.Leader("sthj"), base+"/v1/deadlines/item:rc.eia", &d) == http.StatusOK && !d.Provisional
	})
	if d.DueDate != "2027-01-06" || !strings.Contains(d.Explanation.Sentence, "元旦2027年1月1日至1月3日（3天）") {
		t.Errorf("after the file: %+v", d)
	}
	var years struct {
		Years []struct {
			Year    int  `json:"year"`
			Covered bool `json:"covered"`
			Source  struct {
				Title string `json:"title"`
			} `json:"source"`
		} `json:"years"`
		Refused []struct {
			File string `json:"file"`
		} `json:"refused"`
	}
	getJSON(t, testenv.AsOperations, base+"/v1/calendar/years", &years)
	found := false
	for _, y := range years.Years {
		found = found || (y.Year == 2027 && y.Covered && strings.Contains(y.Source.Title, "2027"))
	}
	if !found || len(years.Refused) != 1 || !strings.HasSuffix(years.Refused[0].File, "2028.yaml") {
		t.Errorf("calendar years after the drop: %+v", years)
	}
	testenv.WaitFor(t, 30*time.Second, "no provisional deadline left", func() bool {
		return strings.Contains(scrape(t, base), "\ntuijin_deadline_provisional_items 0\n")
	})
	// Counted once the recount returns, just after the write the gauge reads.
	testenv.WaitFor(t, 30*time.Second, "the recomputation counted", func() bool {
		return strings.Contains(scrape(t, base), "\ntuijin_deadline_recomputed_total 1\n")
	})
	if !strings.Contains(scrape(t, base), "\ntuijin_deadline_calendar_files_refused 1\n") {
		t.Error("the refused 2028.yaml is not counted")
	}
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
