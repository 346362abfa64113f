package transport

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/intake/internal/open311"
)

// The spec's formats, named by the path's extension.
const (
	formatJSON = "json"
	formatXML  = "xml"
)

type formatKey struct{}

// withFormat notes the format the path asks for, so that the answer and
// any error come in it; XML, the spec's required format, when the path
// names neither.
func withFormat(ctx context.Context, r *http.Request) context.Context {
	f := formatXML
	if path.Ext(r.URL.Path) == "."+formatJSON {
		f = formatJSON
	}
	return context.WithValue(ctx, formatKey{}, f)
}

func formatOf(ctx context.Context) string {
	if f, ok := ctx.Value(formatKey{}).(string); ok {
		return f
	}
	return formatXML
}

// writeOpen311 writes v in the context's format: JSON as it is, XML with
// the declaration the spec asks for, a list under root.
func writeOpen311[T any](ctx context.Context, w http.ResponseWriter, status int, root string, v []T) error {
	if formatOf(ctx) == formatJSON {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		if v == nil {
			v = []T{}
		}
		return json.NewEncoder(w).Encode(v)
	}
	return writeXML(w, status, xmlList[T]{XMLName: xml.Name{Local: root}, Items: v})
}

func writeXML(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	if _, err := w.Write([]byte(xml.Header)); err != nil {
		return err
	}
	return xml.NewEncoder(w).Encode(v)
}

type xmlList[T any] struct {
	XMLName xml.Name
	Items   []T
}

type wireService struct {
	XMLName     xml.Name `xml:"service" json:"-"`
	Code        string   `xml:"service_code" json:"service_code"`
	Name        string   `xml:"service_name" json:"service_name"`
	Description string   `xml:"description" json:"description"`
	Metadata    bool     `xml:"metadata" json:"metadata"`
	Type        string   `xml:"type" json:"type"`
	Keywords    string   `xml:"keywords" json:"keywords"`
	Group       string   `xml:"group" json:"group"`
}

func toWireService(s open311.ServiceType) wireService {
	// Every service asks for its project (attribute project_code): metadata
	// true; the id comes back at once: realtime.
	return wireService{Code: s.Code, Name: s.Name, Description: s.Description, Metadata: true, Type: "realtime",
		Keywords: s.Keywords, Group: open311.Group}
}

func encodeServiceList(ctx context.Context, w http.ResponseWriter, resp any) error {
	ss := resp.([]open311.ServiceType)
	out := make([]wireService, len(ss))
	for i, s := range ss {
		out[i] = toWireService(s)
	}
	return writeOpen311(ctx, w, http.StatusOK, "services", out)
}

type wireDefinition struct {
	XMLName    xml.Name        `xml:"service_definition" json:"-"`
	Code       string          `xml:"service_code" json:"service_code"`
	Attributes []wireAttribute `xml:"attributes>attribute" json:"attributes"`
}

type wireAttribute struct {
	Variable            bool   `xml:"variable" json:"variable"`
	Code                string `xml:"code" json:"code"`
	Datatype            string `xml:"datatype" json:"datatype"`
	Required            bool   `xml:"required" json:"required"`
	DatatypeDescription string `xml:"datatype_description" json:"datatype_description"`
	Order               int    `xml:"order" json:"order"`
	Description         string `xml:"description" json:"description"`
}

// encodeDefinition answers one object, not a list (the spec's example).
func encodeDefinition(ctx context.Context, w http.ResponseWriter, resp any) error {
	d := wireDefinition{Code: resp.(open311.ServiceType).Code}
	for _, a := range open311.Attributes {
		d.Attributes = append(d.Attributes, wireAttribute{Variable: true, Code: a.Code, Datatype: a.Datatype,
			Required: a.Required, Order: a.Order, Description: a.Description})
	}
	if formatOf(ctx) == formatJSON {
		httpx.WriteJSON(w, http.StatusOK, d)
		return nil
	}
	return writeXML(w, http.StatusOK, d)
}

type wireReceipt struct {
	XMLName       xml.Name `xml:"request" json:"-"`
	ID            string   `xml:"service_request_id" json:"service_request_id"`
	ServiceNotice string   `xml:"service_notice" json:"service_notice"`
}

// encodeReceipt answers 201 Created with the new request's location.
func encodeReceipt(ctx context.Context, w http.ResponseWriter, resp any) error {
	rc := resp.(open311.Receipt)
	w.Header().Set("Location", Open311Prefix+"requests/"+rc.ID+"."+formatOf(ctx))
	return writeOpen311(ctx, w, http.StatusCreated, "service_requests", []wireReceipt{{ID: rc.ID, ServiceNotice: rc.Notice}})
}

type wireRequest struct {
	XMLName       xml.Name `xml:"request" json:"-"`
	ID            string   `xml:"service_request_id" json:"service_request_id"`
	Status        string   `xml:"status" json:"status"`
	StatusNotes   string   `xml:"status_notes" json:"status_notes"`
	ServiceName   string   `xml:"service_name" json:"service_name"`
	ServiceCode   string   `xml:"service_code" json:"service_code"`
	ServiceNotice string   `xml:"service_notice" json:"service_notice"`
	Requested     string   `xml:"requested_datetime" json:"requested_datetime"`
	Updated       string   `xml:"updated_datetime" json:"updated_datetime"`
	Expected      string   `xml:"expected_datetime" json:"expected_datetime"`
}

// w3c is a datetime as the spec writes it, in the zone the limits are
// counted in.
func w3c(t time.Time) string { return t.In(workday.Zone).Format(time.RFC3339) }

func toWireRequest(r open311.Request) wireRequest {
	return wireRequest{ID: r.ID, Status: r.Status, StatusNotes: r.StatusNotes, ServiceName: r.ServiceName,
		ServiceCode: r.ServiceCode, ServiceNotice: r.ServiceNotice,
		Requested: w3c(r.Requested), Updated: w3c(r.Updated), Expected: w3c(r.Expected)}
}

func encodeRequests(ctx context.Context, w http.ResponseWriter, resp any) error {
	rs := resp.([]open311.Request)
	out := make([]wireRequest, len(rs))
	for i, r := range rs {
		out[i] = toWireRequest(r)
	}
	return writeOpen311(ctx, w, http.StatusOK, "service_requests", out)
}

// encodeRequest answers the one request as a list of one (the spec's
// service_requests).
func encodeRequest(ctx context.Context, w http.ResponseWriter, resp any) error {
	return writeOpen311(ctx, w, http.StatusOK, "service_requests", []wireRequest{toWireRequest(resp.(open311.Request))})
}

type wireError struct {
	XMLName     xml.Name `xml:"error" json:"-"`
	Code        int      `xml:"code" json:"code"`
	Description string   `xml:"description" json:"description"`
}

// Open311Status is the spec's status of err: 404 for what does not exist,
// 403 for a missing or wrong api_key or a project not the key's owner's, 400
// for any other refusal; the service's own failures keep their 5xx.
func Open311Status(err error) int {
	switch st := httpx.StatusOf(err); {
	case st == http.StatusNotFound, st == http.StatusForbidden, st >= 500, st == httpx.StatusClientClosedRequest:
		return st
	case st == http.StatusUnauthorized:
		return http.StatusForbidden
	default:
		return http.StatusBadRequest
	}
}

// encodeOpen311Error writes err as the spec's errors array, in the
// request's format; a failure of the service is logged, not told.
func encodeOpen311Error(log *slog.Logger) func(context.Context, error, http.ResponseWriter) {
	return func(ctx context.Context, err error, w http.ResponseWriter) {
		status := Open311Status(err)
		desc := "internal error"
		if e, ok := apperr.As(err); ok && status < 500 {
			desc = e.Message
		} else if httpx.StatusOf(err) == http.StatusServiceUnavailable {
			desc = "the request took too long; retry later"
		} else {
			log.ErrorContext(ctx, "open311 request failed", "err", err)
		}
		_ = writeOpen311(ctx, w, status, "errors", []wireError{{Code: status, Description: desc}})
	}
}
