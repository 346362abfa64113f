package api

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Clock is a deadline as the supervisors' red/yellow lists show it.
type Clock struct {
	Kind          string    `json:"kind"`
	RefID         string    `json:"ref_id"`
	ProjectCode   string    `json:"project_code"`
	ProjectName   string    `json:"project_name"`
	Title         string    `json:"title"`
	Department    string    `json:"department"`
	DueDate       string    `json:"due_date"`
	DueAt         time.Time `json:"due_at"`
	State         string    `json:"state"`
	Level         string    `json:"level"`
	LevelAt       time.Time `json:"level_at"`
	NextLevel     string    `json:"next_level"`
	NextAt        time.Time `json:"next_at"`
	RemainingDays int       `json:"remaining_working_days"`
	Provisional   bool      `json:"provisional"`
}

// Clocks lists department's running deadlines at yellow or worse: the
// red/yellow list (read as Warnings reads it).
func (c *Client) Clocks(ctx context.Context, token, department string) ([]Clock, error) {
	var out struct {
		Deadlines []Clock `json:"deadlines"`
	}
	v := url.Values{"department": {department}}
	err := c.call(ctx, ServiceDeadline, token, http.MethodGet, join(c.at.Deadline, "/v1/deadlines", v), nil, &out)
	warned := out.Deadlines[:0]
	for _, d := range out.Deadlines {
		if d.State != "stopped" && d.Level != "" && d.Level != "green" {
			warned = append(warned, d)
		}
	}
	return warned, err
}

// DepartmentMonth is a department's figures of a month.
type DepartmentMonth struct {
	Department       string  `json:"department"`
	ItemsAssigned    int     `json:"items_assigned"`
	ItemsCompleted   int     `json:"items_completed"`
	CompletedOnTime  int     `json:"completed_on_time"`
	OnTimeRate       float64 `json:"on_time_rate"`
	MeanHandlingDays float64 `json:"mean_handling_working_days"`
	PendingNow       int     `json:"pending_now"`
}

// OfficerMonth is an officer's figures of a month: service requests
// received, closed (on time), follow-up visits and the satisfaction noted.
type OfficerMonth struct {
	Officer          string  `json:"officer"`
	Received         int     `json:"requests_received"`
	Closed           int     `json:"requests_closed"`
	ClosedOnTime     int     `json:"closed_on_time"`
	OnTimeRate       float64 `json:"on_time_rate"`
	Visits           int     `json:"visits"`
	SatisfactionMean float64 `json:"satisfaction_mean"`
}

// Monthly is the ledger's monthly statistics.
type Monthly struct {
	Month       string            `json:"month"`
	Officers    []OfficerMonth    `json:"officers"`
	Departments []DepartmentMonth `json:"departments"`
}

// Monthly reads the figures of month (YYYY-MM; empty: this month).
func (c *Client) Monthly(ctx context.Context, token, month string) (Monthly, error) {
	var out Monthly
	q := url.Values{}
	if month != "" {
		q.Set("month", month)
	}
	err := c.call(ctx, ServiceLedger, token, http.MethodGet, join(c.at.Ledger, "/v1/stats/monthly", q), nil, &out)
	return out, err
}

// Briefing reads the leaders' briefing (简报) as Markdown: kind weekly
// (q day=) or monthly (q month=).
func (c *Client) Briefing(ctx context.Context, token, kind string, q url.Values) (string, error) {
	d, err := c.Download(ctx, ServiceLedger, token, "/v1/briefings/"+kind+".md", q)
	if err != nil {
		return "", err
	}
	defer d.Body.Close()
	b, err := io.ReadAll(io.LimitReader(d.Body, maxAnswer))
	if err != nil {
		return "", &Unavailable{Service: ServiceLedger, Err: err}
	}
	return string(b), nil
}

// AgendaEntry is an item of a meeting's agenda.
type AgendaEntry struct {
	ID          string `json:"id"`
	Source      string `json:"source"`
	ProjectCode string `json:"project_code"`
	ProblemID   string `json:"problem_id"`
	Department  string `json:"department"`
	Title       string `json:"title"`
	Text        string `json:"text"`
}

// MeetingAction is an action item a meeting decided: open, done (its
// department reported it) or confirmed (the secretary or a supervisor
// accepted the report).
type MeetingAction struct {
	ID          string              `json:"id"`
	Department  string              `json:"department"`
	Description string              `json:"description"`
	DueAt       time.Time           `json:"due_at"`
	Status      string              `json:"status"`
	History     []MeetingActionStep `json:"history"`
}

// State is the action's status; one recorded before statuses existed is
// open.
func (a MeetingAction) State() string {
	if a.Status == "" {
		return "open"
	}
	return a.Status
}

// MeetingActionStep is a change of an action item.
type MeetingActionStep struct {
	At     time.Time `json:"at"`
	Change string    `json:"change"`
	Actor  string    `json:"actor"`
	From   string    `json:"from"`
	Status string    `json:"status"`
	Note   string    `json:"note"`
}

// ActionChange is a change of an action item: done, confirm or reopen,
// with a note, against the meeting's version read.
type ActionChange struct {
	Change  string `json:"-"`
	Note    string `json:"note,omitempty"`
	Version int    `json:"version"`
}

// ChangeAction makes change c of action item action (its id) of meeting id.
func (c *Client) ChangeAction(ctx context.Context, token, id, action string, ch ActionChange) error {
	return c.call(ctx, ServiceMeeting, token, http.MethodPost,
		join(c.at.Meeting, "/v1/meetings/"+url.PathEscape(id)+"/actions/"+url.PathEscape(action)+"/"+url.PathEscape(ch.Change), nil), ch, nil)
}

// Decision is the meeting's decision on one agenda entry.
type Decision struct {
	AgendaEntryID string         `json:"agenda_entry_id"`
	Outcome       string         `json:"outcome"`
	Text          string         `json:"text"`
	Action        *MeetingAction `json:"action,omitempty"`
	Report        string         `json:"report,omitempty"`
}

// Minutes are a meeting's record.
type Minutes struct {
	RecordedAt time.Time  `json:"recorded_at"`
	Summary    string     `json:"summary"`
	Decisions  []Decision `json:"decisions"`
}

// Meeting is a coordination meeting.
type Meeting struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	Title        string        `json:"title"`
	StartsAt     time.Time     `json:"starts_at"`
	Location     string        `json:"location"`
	WorkGroup    string        `json:"work_group"`
	Attendees    []string      `json:"attendees"`
	ProjectCode  string        `json:"project_code"`
	Status       string        `json:"status"`
	Agenda       []AgendaEntry `json:"agenda"`
	Minutes      *Minutes      `json:"minutes"`
	AutoConvened bool          `json:"auto_convened"`
	// History are the moves and the cancellation, oldest first.
	History []MeetingChange `json:"history"`
	Version int             `json:"version"`
}

// Meetings lists the meetings, at most limit.
func (c *Client) Meetings(ctx context.Context, token string, limit int) ([]Meeting, error) {
	var out struct {
		Items []Meeting `json:"items"`
	}
	q := url.Values{"limit": {itoa(limit)}}
	err := c.call(ctx, ServiceMeeting, token, http.MethodGet, join(c.at.Meeting, "/v1/meetings", q), nil, &out)
	return out.Items, err
}

// Meeting reads meeting id.
func (c *Client) Meeting(ctx context.Context, token, id string) (Meeting, error) {
	var out Meeting
	err := c.call(ctx, ServiceMeeting, token, http.MethodGet, join(c.at.Meeting, "/v1/meetings/"+url.PathEscape(id), nil), nil, &out)
	return out, err
}

// MinutesEntry is the secretary's record of a meeting.
type MinutesEntry struct {
	Summary   string            `json:"summary,omitempty"`
	Decisions []DecisionEntered `json:"decisions"`
}

// DecisionEntered is a decision as the secretary enters it.
type DecisionEntered struct {
	AgendaEntryID string       `json:"agenda_entry_id"`
	Outcome       string       `json:"outcome"`
	Text          string       `json:"text"`
	Action        *ActionGiven `json:"action,omitempty"`
	Report        string       `json:"report,omitempty"`
}

// ActionGiven is an action item a decision gives a department.
type ActionGiven struct {
	Department  string    `json:"department"`
	Description string    `json:"description"`
	DueAt       time.Time `json:"due_at"`
}

// RecordMinutes records the minutes of meeting id.
func (c *Client) RecordMinutes(ctx context.Context, token, id string, m MinutesEntry) error {
	return c.call(ctx, ServiceMeeting, token, http.MethodPost,
		join(c.at.Meeting, "/v1/meetings/"+url.PathEscape(id)+"/minutes", nil), m, nil)
}

func itoa(n int) string { return strconv.Itoa(n) }
