package transport

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/go-kit/kit/endpoint"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/intake/internal/open311"
)

// Open311Prefix is where GeoReport v2 is served: outside /v1/, so no bearer
// token is asked for; a POST proves its owner with api_key instead.
const Open311Prefix = "/open311/v2/"

// Open311Endpoints are the GeoReport v2 use cases, one per method of the
// spec.
type Open311Endpoints struct {
	ServiceList       endpoint.Endpoint
	ServiceDefinition endpoint.Endpoint
	PostRequest       endpoint.Endpoint
	Requests          endpoint.Endpoint
	Request           endpoint.Endpoint
}

// MakeOpen311Endpoints binds the endpoints to svc.
func MakeOpen311Endpoints(svc open311.Service) Open311Endpoints {
	return Open311Endpoints{
		ServiceList:       makeServiceListEndpoint(svc),
		ServiceDefinition: makeServiceDefinitionEndpoint(svc),
		PostRequest:       makePostRequestEndpoint(svc),
		Requests:          makeRequestsEndpoint(svc),
		Request:           makeRequestEndpoint(svc),
	}
}

type serviceDefinitionRequest struct{ Code string }

type postRequestRequest struct {
	APIKey string
	Post   open311.Post
}

type requestRequest struct{ ID string }

func makeServiceListEndpoint(svc open311.Service) endpoint.Endpoint {
	return func(context.Context, any) (any, error) { return svc.Services(), nil }
}

func makeServiceDefinitionEndpoint(svc open311.Service) endpoint.Endpoint {
	return func(_ context.Context, req any) (any, error) {
		return svc.Definition(req.(serviceDefinitionRequest).Code)
	}
}

func makePostRequestEndpoint(svc open311.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		pr := req.(postRequestRequest)
		return svc.Submit(ctx, pr.APIKey, pr.Post)
	}
}

func makeRequestsEndpoint(svc open311.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.Requests(ctx, req.(open311.Filter))
	}
}

func makeRequestEndpoint(svc open311.Service) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.Request(ctx, req.(requestRequest).ID)
	}
}

// Open311Routes mounts GeoReport v2 on mux; every answer, errors included,
// is in the format the path ends with (.json or .xml).
func Open311Routes(mux *http.ServeMux, svc open311.Service, log *slog.Logger) {
	e := MakeOpen311Endpoints(svc)
	opts := []kithttp.ServerOption{kithttp.ServerBefore(withFormat), kithttp.ServerErrorEncoder(encodeOpen311Error(log))}
	for _, f := range []string{formatJSON, formatXML} {
		mux.Handle("GET "+Open311Prefix+"services."+f, kithttp.NewServer(e.ServiceList, decodeNothing, encodeServiceList, opts...))
		mux.Handle("POST "+Open311Prefix+"requests."+f, kithttp.NewServer(e.PostRequest, decodePostRequest, encodeReceipt, opts...))
		mux.Handle("GET "+Open311Prefix+"requests."+f, kithttp.NewServer(e.Requests, decodeRequests, encodeRequests, opts...))
	}
	mux.Handle("GET "+Open311Prefix+"services/{file}", kithttp.NewServer(e.ServiceDefinition, decodeServiceDefinition, encodeDefinition, opts...))
	mux.Handle("GET "+Open311Prefix+"requests/{file}", kithttp.NewServer(e.Request, decodeRequest, encodeRequest, opts...))
	// Anything else under the prefix is the spec's 404, in its format.
	mux.Handle(Open311Prefix, kithttp.NewServer(endpoint.Nop, decodeUnknown, encodeNothing, opts...))
}

func decodeNothing(context.Context, *http.Request) (any, error) { return nil, nil }

func encodeNothing(context.Context, http.ResponseWriter, any) error { return nil }

func decodeUnknown(_ context.Context, r *http.Request) (any, error) {
	return nil, apperr.NotFound("not_found", r.Method+" "+r.URL.Path+" is no GeoReport v2 resource")
}

// resourceFile splits a path's last segment into its name and format; a
// format other than json or xml is no resource.
func resourceFile(file string) (string, error) {
	ext := path.Ext(file)
	name := strings.TrimSuffix(file, ext)
	if (ext != "."+formatJSON && ext != "."+formatXML) || name == "" {
		return "", apperr.NotFound("not_found", file+" is no resource: append .json or .xml")
	}
	return name, nil
}

func decodeServiceDefinition(_ context.Context, r *http.Request) (any, error) {
	code, err := resourceFile(r.PathValue("file"))
	return serviceDefinitionRequest{Code: code}, err
}

func decodeRequest(_ context.Context, r *http.Request) (any, error) {
	id, err := resourceFile(r.PathValue("file"))
	return requestRequest{ID: id}, err
}

// postFields are the spec's POST arguments this endpoint reads; the spec's
// others (jurisdiction_id, lat, long, address_string, address_id, email,
// device_id, account_id, media_url) are accepted and not kept: a request is
// about a registered project, whose location is known.
var postFields = []string{"api_key", "service_code", "description", "first_name", "last_name", "phone",
	"attribute[project_code]", "attribute[title]"}

// decodePostRequest reads the spec's form. api_key is read from the body
// only, never from the URL, which logs keep.
func decodePostRequest(_ context.Context, r *http.Request) (any, error) {
	if err := httpx.RequireMediaType(r, "application/x-www-form-urlencoded"); err != nil {
		return nil, err
	}
	r.Body = http.MaxBytesReader(nil, r.Body, httpx.DefaultMaxBody)
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, &apperr.Error{Kind: apperr.KindTooLarge, Code: "too_large", Message: "the form is larger than 64 KiB"}
		}
		return nil, apperr.Malformed("malformed_form", "the body is no application/x-www-form-urlencoded form")
	}
	form := r.PostForm
	for name, vs := range form {
		if strings.HasPrefix(name, "attribute[") && !slices.Contains(postFields, name) {
			return nil, apperr.Invalid(name, "unknown_attribute", name+" is no attribute of the services here (see services/{code})")
		}
		if len(vs) > 1 {
			return nil, apperr.Invalid(name, "repeated", name+" is given more than once")
		}
	}
	return postRequestRequest{APIKey: form.Get("api_key"), Post: open311.Post{
		ServiceCode: form.Get("service_code"), ProjectCode: form.Get("attribute[project_code]"),
		Title: form.Get("attribute[title]"), Description: form.Get("description"),
		FirstName: form.Get("first_name"), LastName: form.Get("last_name"), Phone: form.Get("phone"),
	}}, nil
}

// decodeRequests reads the spec's query: comma-separated lists, w3c dates.
func decodeRequests(_ context.Context, r *http.Request) (any, error) {
	v := r.URL.Query()
	f := open311.Filter{IDs: commaList(v.Get("service_request_id")), Codes: commaList(v.Get("service_code")),
		Statuses: commaList(v.Get("status"))}
	for _, d := range []struct {
		name string
		dst  *time.Time
	}{{"start_date", &f.Start}, {"end_date", &f.End}} {
		if s := v.Get(d.name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return nil, apperr.Invalid(d.name, "invalid_date", d.name+" must be a w3c datetime with its zone, e.g. 2026-12-01T00:00:00+08:00")
			}
			*d.dst = t
		}
	}
	return f, nil
}

// commaList splits a comma-delimited argument, dropping blanks: an empty
// argument is the same as none (the spec's optional arguments).
func commaList(s string) []string {
	var out []string
	for p := range strings.SplitSeq(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
