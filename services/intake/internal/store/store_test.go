package store_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/domain/org"
	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
	"github.com/tuijin/tuijin/services/intake/internal/store"
)

// A project's registration time is the service's clock, not the machine's:
// a system run with its clock set elsewhere (a demo, a test) stores the
// time its events carry.
func TestProjectRegisteredAtFollowsTheClock(t *testing.T) {
	// Registered by a supervisor, as over HTTP.
	ctx := auth.NewContext(context.Background(), testenv.AsSupervisor)
	db := testenv.Mongo(t).Database("intake_store_test")
	at := time.Date(2026, 9, 24, 9, 30, 0, 0, time.UTC)
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(db)
	svc := intake.NewService(st, st, intake.NewReference(o), clock.Func(func() time.Time { return at }))
	p, _, err := svc.RegisterProject(ctx, intake.Project{
		Code: "2026-370481-04-01-000777", Name: "港口物流中心", Category: "招商引资", Level: "市",
		OwnerOrganisation: "某物流公司", OwnerContact: "刘经理", InvestmentWan: 52000, Stage: "approving",
		RegisteredAt: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !p.RegisteredAt.Equal(at) {
		t.Errorf("answered registered_at %v, want the clock's %v", p.RegisteredAt, at)
	}
	var doc struct {
		RegisteredAt time.Time `bson:"registered_at"`
	}
	if err := db.Collection("projects").FindOne(ctx, bson.D{{Key: "_id", Value: p.Code}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if !doc.RegisteredAt.Equal(at) {
		t.Errorf("stored registered_at %v, want the clock's %v", doc.RegisteredAt, at)
	}
}
