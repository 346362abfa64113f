package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// User is the signed-in person as their token describes them.
type User struct {
	Subject    string   `json:"sub"`
	Name       string   `json:"name"`
	Roles      []string `json:"roles"`
	Department string   `json:"department"`
	Owner      string   `json:"owner"`
}

// Project is a registration as intake lists it.
type Project struct {
	Code              string  `json:"code"`
	Name              string  `json:"name"`
	Category          string  `json:"category"`
	Level             string  `json:"level"`
	OwnerOrganisation string  `json:"owner_organisation"`
	Location          string  `json:"location"`
	InvestmentWan     float64 `json:"investment_wan"`
	Stage             string  `json:"stage"`
	Officer           string  `json:"officer"`
	GreenChannel      bool    `json:"green_channel"`
}

// ProjectList is a page of intake's projects.
type ProjectList struct {
	Total int       `json:"total"`
	Items []Project `json:"items"`
}

// Projects lists the projects the caller may see (an owner's own: intake
// narrows the list to the token's scope).
func (c *Client) Projects(ctx context.Context, token string, limit, offset int) (ProjectList, error) {
	var l ProjectList
	q := url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}}
	err := c.call(ctx, ServiceIntake, token, http.MethodGet, join(c.at.Intake, "/v1/projects", q), nil, &l)
	return l, err
}

// Owed is one thing someone owes on a project.
type Owed struct {
	Item       string     `json:"item"`
	ItemName   string     `json:"item_name"`
	By         string     `json:"by"`
	Department string     `json:"department"`
	What       string     `json:"what"`
	Due        *time.Time `json:"due"`
	Overdue    bool       `json:"overdue"`
}

// ProjectStatus is a project as its owner follows it.
type ProjectStatus struct {
	Code     string     `json:"code"`
	Name     string     `json:"name"`
	Stage    string     `json:"stage"`
	Done     int        `json:"done"`
	UnderWay int        `json:"under_way"`
	Waiting  int        `json:"waiting"`
	Planned  int        `json:"planned"`
	Refused  int        `json:"refused"`
	Owed     []Owed     `json:"owed"`
	NextDue  *time.Time `json:"next_due"`
	Version  int64      `json:"version"`
}

// ProjectStatus reads the ledger's summary of project code.
func (c *Client) ProjectStatus(ctx context.Context, token, code string) (ProjectStatus, error) {
	var s ProjectStatus
	err := c.call(ctx, ServiceLedger, token, http.MethodGet,
		join(c.at.Ledger, "/v1/projects/"+url.PathEscape(code)+"/status", nil), nil, &s)
	return s, err
}

// TimelineEntry is one step of an item's history.
type TimelineEntry struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
	From   string    `json:"from"`
	Status string    `json:"status"`
	Note   string    `json:"note"`
	Late   bool      `json:"late"`
}

// Supplement is a 容缺 commitment of the owner.
type Supplement struct {
	Materials  []string   `json:"materials"`
	Due        time.Time  `json:"due"`
	ReceivedAt *time.Time `json:"received_at"`
	MissedAt   *time.Time `json:"missed_at"`
}

// Commitment is a 告知承诺 approval: granted on the owner's written
// commitment, checked by CheckDue.
type Commitment struct {
	Text        string     `json:"text"`
	CheckDue    time.Time  `json:"check_due"`
	CheckedAt   *time.Time `json:"checked_at"`
	CheckResult string     `json:"check_result"`
	CheckNote   string     `json:"check_note"`
}

// Item is an approval item of a ledger.
type Item struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Name          string          `json:"name"`
	Department    string          `json:"department"`
	StageName     string          `json:"stage_name"`
	PromisedDays  int             `json:"promised_days"`
	GreenChannel  bool            `json:"green_channel"`
	Immediate     bool            `json:"immediate"`
	Modes         []string        `json:"modes"`
	Status        string          `json:"status"`
	AssignedAt    *time.Time      `json:"assigned_at"`
	Due           *time.Time      `json:"due"`
	AcceptedAt    *time.Time      `json:"accepted_at"`
	AcceptedLate  bool            `json:"accepted_late"`
	CompletedAt   *time.Time      `json:"completed_at"`
	BlockedBy     []string        `json:"blocked_by"`
	SuspendedFrom string          `json:"suspended_from"`
	Supplement    *Supplement     `json:"supplement"`
	Commitment    *Commitment     `json:"commitment"`
	Timeline      []TimelineEntry `json:"timeline"`
}

// Ledger is a project's 台账.
type Ledger struct {
	Code              string    `json:"code"`
	Name              string    `json:"name"`
	Category          string    `json:"category"`
	OwnerOrganisation string    `json:"owner_organisation"`
	Stage             string    `json:"stage"`
	Officer           string    `json:"officer"`
	WorkGroup         string    `json:"work_group"`
	GreenChannel      bool      `json:"green_channel"`
	Items             []Item    `json:"items"`
	Problems          []Problem `json:"problems"`
	Tasks             []Task    `json:"tasks"`
	Version           int64     `json:"version"`
	PlannedStart      string    `json:"planned_start"`
	// Forecast is the start-date forecast in short; nil when the catalog
	// or the ledger has no construction permit.
	Forecast *Forecast `json:"forecast"`
}

// Forecast is when the project's construction permit (施工许可) is forecast
// to be approved: the median and 80th-percentile days (YYYY-MM-DD), the
// chain of items that sets the median, and the light against the planned
// start (green on plan, yellow late).
type Forecast struct {
	PermitDate    string         `json:"permit_date"`
	PermitDateP80 string         `json:"permit_date_p80"`
	Done          bool           `json:"done"`
	CriticalPath  []ForecastStep `json:"critical_path"`
	PlannedStart  string         `json:"planned_start"`
	Late          bool           `json:"late"`
	LateDays      int            `json:"late_days"`
	Light         string         `json:"light"`
}

// ForecastStep is an item on the critical path: when it starts and is
// forecast done, its expected working days, its promised ones and the
// delay beyond them.
type ForecastStep struct {
	Item         string `json:"item"`
	Name         string `json:"name"`
	Department   string `json:"department"`
	Status       string `json:"status"`
	Start        string `json:"start"`
	Done         string `json:"done"`
	Days         int    `json:"days"`
	PromisedDays int    `json:"promised_days"`
	DelayDays    int    `json:"delay_days"`
	Source       string `json:"source"`
}

// Item returns the item id of l.
func (l Ledger) Item(id string) (Item, bool) {
	for _, it := range l.Items {
		if it.ID == id {
			return it, true
		}
	}
	return Item{}, false
}

// Ledger reads the ledger of project code.
func (c *Client) Ledger(ctx context.Context, token, code string) (Ledger, error) {
	var l Ledger
	err := c.call(ctx, ServiceLedger, token, http.MethodGet, join(c.at.Ledger, "/v1/projects/"+url.PathEscape(code), nil), nil, &l)
	return l, err
}

// QueueItem is an item of a department's work queue.
type QueueItem struct {
	Item
	ProjectCode    string `json:"project_code"`
	ProjectName    string `json:"project_name"`
	ProjectVersion int64  `json:"project_version"`
}

// Queue is a page of a work queue.
type Queue struct {
	Total  int         `json:"total"`
	Limit  int         `json:"limit"`
	Offset int         `json:"offset"`
	Items  []QueueItem `json:"items"`
}

// QueueQuery selects a page of a department's queue, by due date.
type QueueQuery struct {
	Department string
	Status     string
	Limit      int
	Offset     int
}

// Queue reads a page of a department's work queue, earliest due first.
func (c *Client) Queue(ctx context.Context, token string, q QueueQuery) (Queue, error) {
	v := url.Values{"department": {q.Department}, "sort": {"due"},
		"limit": {strconv.Itoa(q.Limit)}, "offset": {strconv.Itoa(q.Offset)}}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	var out Queue
	err := c.call(ctx, ServiceLedger, token, http.MethodGet, join(c.at.Ledger, "/v1/items", v), nil, &out)
	return out, err
}

// Action is a department's action on an item, as the ledger takes it:
// with missing materials and the owner's days an accept is 容缺受理, with
// a commitment and the check's days an approve is 告知承诺, and a verify
// records the follow-up check of one.
type Action struct {
	Action           string   `json:"action"`
	Note             string   `json:"note,omitempty"`
	Actor            string   `json:"actor"`
	Version          int64    `json:"version"`
	MissingMaterials []string `json:"missing_materials,omitempty"`
	SupplementDays   int      `json:"supplement_days,omitempty"`
	Commitment       string   `json:"commitment,omitempty"`
	CheckDays        int      `json:"check_days,omitempty"`
	CheckResult      string   `json:"check_result,omitempty"`
}

// ActionResult is the ledger's answer to an action.
type ActionResult struct {
	Item     Item   `json:"item"`
	Version  int64  `json:"version"`
	Assigned []Item `json:"assigned"`
}

// Act takes action a on item id.
func (c *Client) Act(ctx context.Context, token, id string, a Action) (ActionResult, error) {
	var r ActionResult
	err := c.call(ctx, ServiceLedger, token, http.MethodPost,
		join(c.at.Ledger, "/v1/items/"+url.PathEscape(id)+"/actions", nil), a, &r)
	return r, err
}

// Deadline is the clock of an item as the deadline service lists it.
type Deadline struct {
	Kind        string `json:"kind"`
	RefID       string `json:"ref_id"`
	Level       string `json:"level"`
	State       string `json:"state"`
	Provisional bool   `json:"provisional"`
}

// Warnings lists the running deadlines of department at yellow or worse:
// the red/yellow list. The service's level filter matches one level
// exactly, so the portal reads the department's clocks and keeps those.
func (c *Client) Warnings(ctx context.Context, token, department string) ([]Deadline, error) {
	var out struct {
		Deadlines []Deadline `json:"deadlines"`
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

// InboxEntry is a message in a recipient's inbox.
type InboxEntry struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Body        string    `json:"body"`
	ProjectCode string    `json:"project_code"`
	ItemID      string    `json:"item_id"`
	CreatedAt   time.Time `json:"created_at"`
	Read        bool      `json:"read"`
}

// Inbox is a recipient's newest messages and unread count.
type Inbox struct {
	Unread int          `json:"unread"`
	Items  []InboxEntry `json:"items"`
}

// Inbox reads the newest limit messages of recipient (dept:<code> …).
func (c *Client) Inbox(ctx context.Context, token, recipient string, limit int) (Inbox, error) {
	var in Inbox
	v := url.Values{"recipient": {recipient}, "limit": {strconv.Itoa(limit)}}
	err := c.call(ctx, ServiceNotification, token, http.MethodGet, join(c.at.Notification, "/v1/inbox", v), nil, &in)
	return in, err
}

// MarkRead marks inbox entry id read.
func (c *Client) MarkRead(ctx context.Context, token, id string) error {
	return c.call(ctx, ServiceNotification, token, http.MethodPost,
		join(c.at.Notification, "/v1/inbox/"+url.PathEscape(id)+"/read", nil), nil, nil)
}
