package transport

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/services/coordination-meeting/internal/meeting"
)

// The list queries are read here and checked by the service: an absent
// limit is the default, a limit that is no number is refused at once, and
// the rest is passed on as sent.
func TestDecodeQueries(t *testing.T) {
	tests := []struct {
		name  string
		dec   func(context.Context, *http.Request) (any, error)
		query string
		want  any
		field string
	}{
		{name: "list defaults", dec: decodeList, want: meeting.ListQuery{Limit: meeting.DefaultLimit}},
		{name: "list work group and limit", dec: decodeList, query: "work_group=yongdi&limit=5",
			want: meeting.ListQuery{WorkGroup: "yongdi", Limit: 5}},
		{name: "list limit out of range is the service's to refuse", dec: decodeList, query: "limit=0",
			want: meeting.ListQuery{Limit: 0}},
		{name: "list limit not a number", dec: decodeList, query: "limit=x", field: "limit"},
		{name: "candidates defaults", dec: decodeCandidates, want: meeting.CandidateQuery{Limit: meeting.DefaultLimit}},
		{name: "candidates status and limit", dec: decodeCandidates, query: "status=open&limit=7",
			want: meeting.CandidateQuery{Status: "open", Limit: 7}},
		{name: "candidates limit not a number", dec: decodeCandidates, query: "limit=1e3", field: "limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.dec(context.Background(), httptest.NewRequest("GET", "/v1/x?"+tt.query, nil))
			if tt.field != "" {
				if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid || e.Field != tt.field {
					t.Fatalf("got %v, want invalid %s", err, tt.field)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
