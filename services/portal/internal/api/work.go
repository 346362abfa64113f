package api

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// NoticeLine is one line of the one-time notice (一次性告知): an item the
// project still needs, its materials and its time limit.
type NoticeLine struct {
	Item       string   `json:"item"`
	Department string   `json:"department"`
	TimeLimit  string   `json:"time_limit"`
	Materials  []string `json:"materials"`
	Status     string   `json:"status"`
}

// TaskEntry is a step of an officer's task.
type TaskEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Status string    `json:"status"`
	Note   string    `json:"note"`
}

// Task is an owner's service request as the officer works it.
type Task struct {
	ID             string       `json:"id"`
	Kind           string       `json:"kind"`
	Title          string       `json:"title"`
	Description    string       `json:"description"`
	Contact        string       `json:"contact"`
	Officer        string       `json:"officer"`
	Status         string       `json:"status"`
	ReceivedAt     time.Time    `json:"received_at"`
	Due            time.Time    `json:"due"`
	Notice         []NoticeLine `json:"notice"`
	Satisfaction   int          `json:"satisfaction"`
	Comment        string       `json:"comment"`
	History        []TaskEntry  `json:"history"`
	ProjectCode    string       `json:"project_code"`
	ProjectName    string       `json:"project_name"`
	ProjectVersion int64        `json:"project_version"`
}

// Tasks lists the officer's tasks (a supervisor's: officer's, or all).
func (c *Client) Tasks(ctx context.Context, token, officer string) ([]Task, error) {
	var out struct {
		Tasks []Task `json:"tasks"`
	}
	q := url.Values{}
	if officer != "" {
		q.Set("officer", officer)
	}
	err := c.call(ctx, ServiceLedger, token, http.MethodGet, join(c.at.Ledger, "/v1/tasks", q), nil, &out)
	return out.Tasks, err
}

// TaskAction is a step of the officer on a task: take, handle, close, visit.
type TaskAction struct {
	Action       string `json:"action"`
	Actor        string `json:"actor"`
	Note         string `json:"note,omitempty"`
	Satisfaction int    `json:"satisfaction,omitempty"`
	Comment      string `json:"comment,omitempty"`
	Version      int64  `json:"version"`
}

// ActOnTask takes step a on task id of project code.
func (c *Client) ActOnTask(ctx context.Context, token, code, id string, a TaskAction) error {
	return c.call(ctx, ServiceLedger, token, http.MethodPost,
		join(c.at.Ledger, "/v1/projects/"+url.PathEscape(code)+"/tasks/"+url.PathEscape(id)+"/actions", nil), a, nil)
}

// Measure is a step taken on a problem (解决举措).
type Measure struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Text   string    `json:"text"`
	Source string    `json:"source"`
}

// Problem is an entry of a project's problem ledger (问题台账).
type Problem struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Department  string    `json:"department"`
	ItemID      string    `json:"item_id"`
	Status      string    `json:"status"`
	Escalation  string    `json:"escalation"`
	RaisedBy    string    `json:"raised_by"`
	RaisedAt    time.Time `json:"raised_at"`
	Measures    []Measure `json:"measures"`
}

// NewProblem raises a problem on a project.
type NewProblem struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Department  string `json:"department"`
	ItemID      string `json:"item_id,omitempty"`
	Escalation  string `json:"escalation"`
	Actor       string `json:"actor"`
	Version     int64  `json:"version"`
}

// RaiseProblem raises p on project code.
func (c *Client) RaiseProblem(ctx context.Context, token, code string, p NewProblem) error {
	return c.call(ctx, ServiceLedger, token, http.MethodPost,
		join(c.at.Ledger, "/v1/projects/"+url.PathEscape(code)+"/problems", nil), p, nil)
}

// ProblemUpdate is a measure, a status or an escalation of a problem.
type ProblemUpdate struct {
	Measure    string `json:"measure,omitempty"`
	Status     string `json:"status,omitempty"`
	Escalation string `json:"escalation,omitempty"`
	Actor      string `json:"actor"`
	Version    int64  `json:"version"`
}

// UpdateProblem records u on problem id.
func (c *Client) UpdateProblem(ctx context.Context, token, id string, u ProblemUpdate) error {
	return c.call(ctx, ServiceLedger, token, http.MethodPost,
		join(c.at.Ledger, "/v1/problems/"+url.PathEscape(id)+"/updates", nil), u, nil)
}

// OfficerChange assigns a project's officer.
type OfficerChange struct {
	Officer string `json:"officer"`
	Actor   string `json:"actor"`
	Note    string `json:"note,omitempty"`
	Version int64  `json:"version"`
}

// AssignOfficer gives project code to another officer.
func (c *Client) AssignOfficer(ctx context.Context, token, code string, o OfficerChange) error {
	return c.call(ctx, ServiceLedger, token, http.MethodPut,
		join(c.at.Ledger, "/v1/projects/"+url.PathEscape(code)+"/officer", nil), o, nil)
}
