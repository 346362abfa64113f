package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// MeetingChange is one change of a meeting's time, place or status in its
// history (moved, cancelled), oldest first.
type MeetingChange struct {
	At           time.Time `json:"at"`
	Change       string    `json:"change"`
	Actor        string    `json:"actor"`
	Reason       string    `json:"reason"`
	FromStartsAt time.Time `json:"from_starts_at"`
	FromLocation string    `json:"from_location"`
	StartsAt     time.Time `json:"starts_at"`
	Location     string    `json:"location"`
}

// MeetingMove moves a meeting to a new start (and place: kept when empty),
// with the reason and the meeting's version read.
type MeetingMove struct {
	StartsAt string `json:"starts_at"`
	Location string `json:"location,omitempty"`
	Reason   string `json:"reason"`
	Version  int    `json:"version"`
}

// MeetingCancel cancels a meeting, with the reason and the version read.
type MeetingCancel struct {
	Reason  string `json:"reason"`
	Version int    `json:"version"`
}

// AgendaDraft is an agenda entry as the meeting service's agenda edit
// takes it: an existing entry named by its id (title and text kept or
// reworded), a new one without id.
type AgendaDraft struct {
	ID          string `json:"id,omitempty"`
	ProjectCode string `json:"project_code,omitempty"`
	Department  string `json:"department,omitempty"`
	Title       string `json:"title"`
	Text        string `json:"text,omitempty"`
}

// AgendaEdit is a meeting's whole agenda after an edit, in order, against
// the version read.
type AgendaEdit struct {
	Version int           `json:"version"`
	Entries []AgendaDraft `json:"entries"`
}

// MoveMeeting moves meeting id.
func (c *Client) MoveMeeting(ctx context.Context, token, id string, m MeetingMove) (Meeting, error) {
	return c.meetingChange(ctx, token, http.MethodPost, id, "/move", m)
}

// CancelMeeting cancels meeting id.
func (c *Client) CancelMeeting(ctx context.Context, token, id string, m MeetingCancel) (Meeting, error) {
	return c.meetingChange(ctx, token, http.MethodPost, id, "/cancel", m)
}

// EditAgenda replaces meeting id's agenda with a.
func (c *Client) EditAgenda(ctx context.Context, token, id string, a AgendaEdit) (Meeting, error) {
	return c.meetingChange(ctx, token, http.MethodPut, id, "/agenda", a)
}

func (c *Client) meetingChange(ctx context.Context, token, method, id, what string, body any) (Meeting, error) {
	var out Meeting
	err := c.call(ctx, ServiceMeeting, token, method, join(c.at.Meeting, "/v1/meetings/"+url.PathEscape(id)+what, nil), body, &out)
	return out, err
}

// Handling is a department's measured handling time: working days from
// assignment to approval over its approved items (median and 80th
// percentile); below the ledger's minimum of samples a forecast uses each
// item's promised days instead (Measured false).
type Handling struct {
	Department string `json:"department"`
	Samples    int    `json:"samples"`
	MedianDays int    `json:"median_days"`
	P80Days    int    `json:"p80_days"`
	Measured   bool   `json:"measured"`
}

// ForecastRun is the forecast with one estimate of the handling times:
// the permit's day, the path that sets it and every item it depends on.
type ForecastRun struct {
	Date         string         `json:"date"`
	CriticalPath []ForecastStep `json:"critical_path"`
	Items        []ForecastStep `json:"items"`
}

// FullForecast is the ledger's start-date forecast in full.
type FullForecast struct {
	Project      string      `json:"project"`
	Permit       string      `json:"permit"`
	PermitName   string      `json:"permit_name"`
	AsOf         string      `json:"as_of"`
	Done         bool        `json:"done"`
	Median       ForecastRun `json:"median"`
	P80          ForecastRun `json:"p80"`
	PlannedStart string      `json:"planned_start"`
	Late         bool        `json:"late"`
	LateDays     int         `json:"late_days"`
	LateP80      bool        `json:"late_p80"`
	Light        string      `json:"light"`
	Handling     []Handling  `json:"handling"`
}

// FullForecast reads project code's start-date forecast in full.
func (c *Client) FullForecast(ctx context.Context, token, code string) (FullForecast, error) {
	var out FullForecast
	err := c.call(ctx, ServiceLedger, token, http.MethodGet, join(c.at.Ledger, "/v1/projects/"+url.PathEscape(code)+"/forecast", nil), nil, &out)
	return out, err
}
