package main

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/event"
	ledgerv1 "github.com/tuijin/tuijin/pkg/gen/tuijin/ledger/v1"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/notification/internal/notification"
)

// benchDelivery measures notifications delivered per second through the
// whole service: events published on real NATS, consumed, recorded on real
// FerretDB and sent on channel, until the delivered counter has them all.
func benchDelivery(b *testing.B, dept, channel string, prefs func(*env) string) {
	e := newEnv(b)
	base := e.start(b)
	if prefs != nil {
		var p notification.Preferences
		if status := request(b, testenv.Leader(dept), http.MethodPut, base+"/v1/preferences/dept:"+dept, "application/json", []byte(prefs(e)), &p); status != http.StatusOK {
			b.Fatalf("preferences: %d", status)
		}
	}
	series := `tuijin_notification_delivered_total{channel="` + channel + `"}`
	subject := event.ForDepartment(event.TypeItemAssigned, dept)
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		e.publish(b, subject, newEvent(b, event.TypeItemAssigned, &ledgerv1.ItemAssigned{
			ItemId: projectCode + ".item-" + strconv.Itoa(i), ProjectCode: projectCode, ProjectName: "城北物流园",
			ItemName: "用地预审与选址意见书", Department: dept, PromisedDays: 10, AssignedAt: timestamppb.Now()}))
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		if v, _ := metric(b, base, series); v >= float64(b.N) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("deliveries did not complete")
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "deliveries/s")
}

// BenchmarkDeliverInbox: department inboxes only.
func BenchmarkDeliverInbox(b *testing.B) { benchDelivery(b, "slj", notification.ChannelInbox, nil) }

// BenchmarkDeliverWebhook: a chat-robot webhook only (an httptest
// receiver answering like WeCom).
func BenchmarkDeliverWebhook(b *testing.B) {
	benchDelivery(b, "jtj", notification.ChannelWebhook, func(e *env) string {
		return `{"channels":["webhook"],"webhook":"` + e.robot.srv.URL + `/robot/jtj"}`
	})
}
