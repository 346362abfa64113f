package open311

import (
	"fmt"
	"slices"
	"time"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// The spec's two statuses.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// LimitDays is the working days the project's officer has to close a
// request: the ledger's TaskLimitDays, from which the officer's task takes
// its due date. The two must agree, or the public would be promised another
// date than the officer is held to.
const LimitDays = 5

// Request is what anyone may read of a request: its service, where it
// stands and when it is expected. Who asked (contact, phone, project) and
// what they wrote stay with the owner and the officer on /v1/requests/{id}.
type Request struct {
	ID            string
	ServiceCode   string
	ServiceName   string
	Status        string
	StatusNotes   string
	ServiceNotice string
	Requested     time.Time
	Updated       time.Time
	Expected      time.Time
}

// StatusOf maps a request's lifecycle onto the spec's statuses: received,
// taken and handling (受理, 承接, 办理) are open; closed and visited (办结,
// 回访) are closed, the follow-up visit coming after the request was
// resolved.
func StatusOf(lifecycle string) string {
	if lifecycle == intake.StatusClosed || lifecycle == intake.StatusVisited {
		return StatusClosed
	}
	return StatusOpen
}

// Lifecycle lists the lifecycle statuses a spec status stands for.
func Lifecycle(status string) []string {
	return slices.DeleteFunc(slices.Clone(intake.RequestStatuses), func(s string) bool { return StatusOf(s) != status })
}

// Expected is when a request received at is to be closed: the end of the
// LimitDays-th working day after the day it was received (that day does not
// count), on the official calendar — the instant the officer's task falls
// due in the ledger.
func Expected(cal workday.Calendar, received time.Time) time.Time {
	return workday.DueAt(cal, received, LimitDays)
}

// Updated is when a request last changed: for a closed one the step that
// closed it (the spec's "the date the request was closed", a follow-up visit
// notwithstanding), else its latest step, else its receipt.
func Updated(r intake.Request) time.Time {
	if StatusOf(r.Status) == StatusClosed {
		for _, st := range r.Steps {
			if st.Status == intake.StatusClosed {
				return st.At
			}
		}
	}
	if n := len(r.Steps); n > 0 {
		return r.Steps[n-1].At
	}
	return r.ReceivedAt
}

// Notice is the service_notice of a request: the promise it was taken in
// with.
func Notice(expected time.Time) string {
	last := expected.In(workday.Zone).AddDate(0, 0, -1)
	return fmt.Sprintf("已受理：推进专员在%d个工作日内办结（至%s日终）", LimitDays, last.Format("2006-01-02"))
}

// toPublic is r as anyone may read it.
func toPublic(r intake.Request, c *Catalog, cal workday.Calendar) Request {
	svc, _ := c.ByKind(r.Kind)
	exp := Expected(cal, r.ReceivedAt)
	return Request{
		ID: r.ID, ServiceCode: svc.Code, ServiceName: svc.Name,
		Status: StatusOf(r.Status), StatusNotes: intake.StatusNames[r.Status], ServiceNotice: Notice(exp),
		Requested: r.ReceivedAt, Updated: Updated(r), Expected: exp,
	}
}
