package trail

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/audit"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/httpx"
)

// MaxLimit bounds one page of GET /v1/audit.
const MaxLimit = 1000

// Page answers GET /v1/audit.
type Page struct {
	Entries []audit.Entry `json:"entries"`
}

// Handler serves GET /v1/audit?project=&actor=&since=&limit= to
// supervisors and operations: the service's entries, newest first.
func (t *Trail) Handler(log *slog.Logger) http.Handler {
	fail := httpx.ErrorEncoder(log)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.Require(r.Context(), auth.Supervisor, auth.Operations); err != nil {
			fail(r.Context(), err, w)
			return
		}
		q, err := parseQuery(r)
		if err != nil {
			fail(r.Context(), err, w)
			return
		}
		entries, err := t.Find(r.Context(), q)
		if err != nil {
			fail(r.Context(), err, w)
			return
		}
		if entries == nil {
			entries = []audit.Entry{}
		}
		httpx.WriteJSON(w, http.StatusOK, Page{Entries: entries})
	})
}

func parseQuery(r *http.Request) (Query, error) {
	v := r.URL.Query()
	q := Query{Project: strings.TrimSpace(v.Get("project")), Actor: strings.TrimSpace(v.Get("actor")), Limit: 100}
	if len(q.Project) > 100 {
		return q, apperr.Invalid("project", "invalid_project", "project is at most 100 characters")
	}
	if len(q.Actor) > 200 {
		return q, apperr.Invalid("actor", "invalid_actor", "actor is at most 200 characters")
	}
	if s := v.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return q, apperr.Invalid("since", "invalid_since", "since is an RFC 3339 time, e.g. 2026-12-01T00:00:00+08:00")
		}
		q.Since = t
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, apperr.Invalid("limit", "invalid_limit", "limit is a number from 1 to "+strconv.Itoa(MaxLimit))
		}
		q.Limit = n
	}
	return q, nil
}
