package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Registration is a key project as the owner or officer registers it at
// intake.
type Registration struct {
	Code              string  `json:"code"`
	Name              string  `json:"name"`
	Category          string  `json:"category"`
	Level             string  `json:"level"`
	OwnerOrganisation string  `json:"owner_organisation"`
	OwnerContact      string  `json:"owner_contact"`
	OwnerPhone        string  `json:"owner_phone"`
	Location          string  `json:"location"`
	InvestmentWan     float64 `json:"investment_wan"`
	Stage             string  `json:"stage"`
	Officer           string  `json:"officer,omitempty"`
	WorkGroup         string  `json:"work_group,omitempty"`
	GreenChannel      bool    `json:"green_channel"`
}

// RegisterProject registers p at intake.
func (c *Client) RegisterProject(ctx context.Context, token string, p Registration) (Project, error) {
	var out Project
	err := c.call(ctx, ServiceIntake, token, http.MethodPost, join(c.at.Intake, "/v1/projects", nil), p, &out)
	return out, err
}

// ImportResult is intake's answer to an import of the annual list.
type ImportResult struct {
	Created  []string `json:"created"`
	Existing []string `json:"existing"`
}

// ImportProjects sends a CSV or XLSX project list (contentType text/csv or
// the XLSX type) to intake; key makes a repeated upload of the same file
// answer the first result.
func (c *Client) ImportProjects(ctx context.Context, token, contentType, key string, file []byte) (ImportResult, error) {
	var out ImportResult
	h := http.Header{"Content-Type": {contentType}}
	if key != "" {
		h.Set("Idempotency-Key", key)
	}
	err := c.send(ctx, ServiceIntake, token, http.MethodPost, join(c.at.Intake, "/v1/projects:import", nil), h, file, &out)
	return out, err
}

// ServiceRequest is an owner's service request (服务诉求).
type ServiceRequest struct {
	ID           string        `json:"id,omitempty"`
	ProjectCode  string        `json:"project_code"`
	Kind         string        `json:"kind"`
	Title        string        `json:"title"`
	Description  string        `json:"description,omitempty"`
	Contact      string        `json:"contact"`
	Phone        string        `json:"phone,omitempty"`
	Status       string        `json:"status,omitempty"`
	ReceivedAt   *time.Time    `json:"received_at,omitempty"`
	Steps        []RequestStep `json:"steps,omitempty"`
	Satisfaction int           `json:"satisfaction,omitempty"`
	// Rating is the owner's own rating (好差评), once given.
	Rating *Rating `json:"rating,omitempty"`
}

// Rating is an owner's rating of a request the officer has closed: a
// score of 1 to 5 and a comment.
type Rating struct {
	Score   int       `json:"score"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at,omitzero"`
	By      string    `json:"by,omitempty"`
}

// RequestList is a page of intake's service requests, newest first.
type RequestList struct {
	Total int              `json:"total"`
	Items []ServiceRequest `json:"items"`
}

// RequestQuery selects a page of the requests the caller may read, by
// status (empty: all).
type RequestQuery struct {
	Status        string
	Limit, Offset int
}

// Requests lists the service requests the caller may read (an owner their
// organisation's: intake narrows the list to the token's scope).
func (c *Client) Requests(ctx context.Context, token string, q RequestQuery) (RequestList, error) {
	v := url.Values{"limit": {strconv.Itoa(q.Limit)}, "offset": {strconv.Itoa(q.Offset)}}
	if q.Status != "" {
		v.Set("status", q.Status)
	}
	var out RequestList
	err := c.call(ctx, ServiceIntake, token, http.MethodGet, join(c.at.Intake, "/v1/requests", v), nil, &out)
	return out, err
}

// RateRequest records the owner's rating r of request id, once.
func (c *Client) RateRequest(ctx context.Context, token, id string, r Rating) (ServiceRequest, error) {
	var out ServiceRequest
	err := c.call(ctx, ServiceIntake, token, http.MethodPost,
		join(c.at.Intake, "/v1/requests/"+url.PathEscape(id)+"/rating", nil), r, &out)
	return out, err
}

// RequestStep is a step the officer took with a request.
type RequestStep struct {
	At     time.Time `json:"at"`
	Status string    `json:"status"`
	Name   string    `json:"name"`
	Actor  string    `json:"actor"`
	Note   string    `json:"note"`
}

// SubmitRequest posts r at intake; key (the form's own) makes a resent
// form answer the first request instead of a second one.
func (c *Client) SubmitRequest(ctx context.Context, token, key string, r ServiceRequest) (ServiceRequest, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return ServiceRequest{}, err
	}
	h := http.Header{"Content-Type": {"application/json"}}
	if key != "" {
		h.Set("Idempotency-Key", key)
	}
	var out ServiceRequest
	err = c.send(ctx, ServiceIntake, token, http.MethodPost, join(c.at.Intake, "/v1/requests", nil), h, b, &out)
	return out, err
}

// Request reads request id at intake.
func (c *Client) Request(ctx context.Context, token, id string) (ServiceRequest, error) {
	var out ServiceRequest
	err := c.call(ctx, ServiceIntake, token, http.MethodGet, join(c.at.Intake, "/v1/requests/"+url.PathEscape(id), nil), nil, &out)
	return out, err
}

// CatalogItem is an item type of the ledger's catalog.
type CatalogItem struct {
	Key          string   `json:"key"`
	Name         string   `json:"name"`
	Department   string   `json:"department"`
	PromisedDays int      `json:"promised_days"`
	Immediate    bool     `json:"immediate"`
	Materials    []string `json:"materials"`
}

// Catalog reads the item catalog in use.
func (c *Client) Catalog(ctx context.Context, token string) ([]CatalogItem, error) {
	var out struct {
		Items []CatalogItem `json:"items"`
	}
	err := c.call(ctx, ServiceLedger, token, http.MethodGet, join(c.at.Ledger, "/v1/catalog", nil), nil, &out)
	return out.Items, err
}

// send is call with a body already encoded and headers of the caller's.
func (c *Client) send(ctx context.Context, svc Service, token, method, u string, h http.Header, body []byte, out any) error {
	resp, err := c.do(ctx, svc, token, method, u, h, bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return decodeAnswer(svc, resp, out)
}

// Download is an upstream's file answer (XLSX, .ics, Markdown), passed on
// to the browser as it comes.
type Download struct {
	Body               io.ReadCloser
	ContentType        string
	ContentDisposition string
}

// Download reads a file path?q of svc; the caller closes its Body.
func (c *Client) Download(ctx context.Context, svc Service, token, path string, q url.Values) (Download, error) {
	base := map[Service]string{ServiceLedger: c.at.Ledger, ServiceMeeting: c.at.Meeting}[svc]
	if base == "" {
		return Download{}, fmt.Errorf("download from %s: not a file service", svc)
	}
	resp, err := c.do(ctx, svc, token, http.MethodGet, join(base, path, q), http.Header{"Accept": {"*/*"}}, nil)
	if err != nil {
		return Download{}, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return Download{}, decodeAnswer(svc, resp, nil)
	}
	return Download{Body: resp.Body, ContentType: resp.Header.Get("Content-Type"),
		ContentDisposition: resp.Header.Get("Content-Disposition")}, nil
}
