package e2e

import (
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/event"
)

// BenchmarkRegistrationToInbox measures the whole skeleton as a county
// would load it: b.N projects registered over HTTP, one after the other,
// until every ready item is assigned, has a deadline and sits in its
// department's inbox. It reports projects per second end to end and the
// registration rate alone.
//
//	go test -run '^$' -bench RegistrationToInbox -benchtime 200x ./e2e/
func BenchmarkRegistrationToInbox(b *testing.B) {
	s := newSystem(b)
	s.start(services...)
	want := b.N * len(readyItems)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		s.registerProject(projectCode(100000 + i))
	}
	registered := time.Since(start)
	// Each stage's finish shows where the time goes.
	eventually(b, 10*time.Minute, "assignments", func() bool {
		return s.streamCount("TUIJIN_EVENTS", event.TypeItemAssigned+".>") >= want
	})
	b.Logf("%d projects: registered in %s, all assigned after %s", b.N, registered.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	eventually(b, 10*time.Minute, "deadlines", func() bool { return s.count("tuijin_deadline", "deadlines") >= want })
	b.Logf("all deadlines after %s", time.Since(start).Round(time.Millisecond))
	eventually(b, 10*time.Minute, "every inbox entry", func() bool {
		return s.count("tuijin_notification", "inbox") >= want
	})
	b.Logf("all inbox entries after %s", time.Since(start).Round(time.Millisecond))
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "projects/s")
	b.ReportMetric(float64(b.N)/registered.Seconds(), "registrations/s")
	b.ReportMetric(0, "ns/op")
}
