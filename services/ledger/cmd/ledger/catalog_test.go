package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/tuijin/tuijin/pkg/clock"
	"github.com/tuijin/tuijin/pkg/testenv"
)

// GET /v1/catalog answers in the contract's snake_case like every other
// API, not Go's field names.
func TestCatalogIsSnakeCase(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	base := start(t, clock.NewManual(time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC), time.Millisecond), "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t))
	var cat struct {
		Items []map[string]any `json:"items"`
	}
	if st := getJSON(t, testenv.Clerk("zrzy"), base+"/v1/catalog", &cat); st != http.StatusOK || len(cat.Items) == 0 {
		t.Fatalf("catalog: %d, %d items", st, len(cat.Items))
	}
	for _, it := range cat.Items {
		for _, k := range []string{"key", "name", "department", "promised_days"} {
			if _, ok := it[k]; !ok {
				t.Fatalf("item %v has no %q", it, k)
			}
		}
		for k := range it {
			if k[0] >= 'A' && k[0] <= 'Z' {
				t.Fatalf("item %v has the Go field name %q", it, k)
			}
		}
	}
}
