package httpx

import (
	"net/http"
)

// serveUnmatched answers a request no route matched in the contract's
// error shape rather than the mux's plain text: 404 for an unknown path,
// 405 with Allow for a known path and another method.
func serveUnmatched(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	probe := &headerProbe{header: http.Header{}}
	mux.ServeHTTP(probe, r) // the mux's own 404/405 handler, written nowhere
	status := probe.code
	if status == 0 {
		status = http.StatusNotFound
	}
	body := ErrorBody{Error: ErrorDetail{Code: "not_found", Message: "no such resource: " + r.URL.Path}}
	if status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		body.Error = ErrorDetail{Code: "method_not_allowed",
			Message: r.Method + " is not allowed on " + r.URL.Path + "; allowed: " + probe.header.Get("Allow")}
	} else if status != http.StatusNotFound {
		body.Error = ErrorDetail{Code: "bad_request", Message: http.StatusText(status)}
	}
	WriteJSON(w, status, body)
}

// headerProbe records what a handler answers and drops the body.
type headerProbe struct {
	header http.Header
	code   int
}

func (p *headerProbe) Header() http.Header { return p.header }

func (p *headerProbe) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}

func (p *headerProbe) Write(b []byte) (int, error) {
	if p.code == 0 {
		p.code = http.StatusOK
	}
	return len(b), nil
}
