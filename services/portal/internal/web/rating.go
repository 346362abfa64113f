package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

// ratingFields are the rating form's inputs, named as intake names them.
var ratingFields = []string{"score", "comment"}

// scores are the rating's choices, best first.
var scores = []option{{Value: "", Label: "请选择"}, {Value: "5", Label: "5 分 · 非常满意"}, {Value: "4", Label: "4 分 · 满意"},
	{Value: "3", Label: "3 分 · 基本满意"}, {Value: "2", Label: "2 分 · 不满意"}, {Value: "1", Label: "1 分 · 非常不满意"}}

// canRate: u owns the request's project (intake checks which) and the
// officer has closed it (办结 or 回访 done), and it is not rated yet: an
// owner rates a request once.
func canRate(u api.User, req api.ServiceRequest) bool {
	return has(u, "owner") && (req.Status == "closed" || req.Status == "visited") && req.Rating == nil
}

// ratingOf is intake's rating request of the form as posted; without a
// score the portal refuses it itself, sending nothing.
func ratingOf(v url.Values) (api.Rating, *problem) {
	r := api.Rating{Comment: strings.TrimSpace(v.Get("comment"))}
	n, err := strconv.Atoi(strings.TrimSpace(v.Get("score")))
	if err != nil {
		return r, &problem{Status: http.StatusUnprocessableEntity, Field: "score", Message: "请选择满意度（1 至 5 分）。"}
	}
	r.Score = n
	return r, nil
}

// ratingRefusals are intake's refusals of a rating in words.
var ratingRefusals = map[string]string{
	"already_rated":      "您已评价过这件诉求，每件诉求只能评价一次。",
	"request_not_closed": "推进专员办结后才能评价。",
	"invalid_score":      "请选择满意度（1 至 5 分）。",
}

// rateRequest records the owner's rating (好差评) of a closed request.
// Success goes back to the request's page; a refusal shows it again with
// the reason next to its field and the form as filled in.
func (s *Server) rateRequest(w http.ResponseWriter, r *http.Request, se session) error {
	f := newForm(r.PostForm, ratingFields...)
	id := r.PathValue("id")
	rating, p := ratingOf(r.PostForm)
	if p == nil {
		_, err := s.forms.RateRequest(r.Context(), se.Token, id, rating)
		if err == nil {
			http.Redirect(w, r, "/requests/"+url.PathEscape(id)+"?rated=1", http.StatusSeeOther)
			return nil
		}
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		e := explainForm(err)
		var ae *api.Error
		if errors.As(err, &ae) && ratingRefusals[ae.Code] != "" {
			e.Message = ratingRefusals[ae.Code]
		}
		p = &e
	}
	f.refuse(*p)
	return s.requestView(w, r, se, p.Status, f)
}

const requestsPerPage = 20

// requestStatuses are the filters of the owner's request list, in the
// order a request goes through them.
var requestStatuses = []string{"received", "taken", "handling", "closed", "visited"}

type requestsData struct {
	Requests []requestRow
	Statuses []option
	Paging   paging
	// ToRate counts the requests of this page closed and not yet rated.
	ToRate int
}

type requestRow struct {
	api.ServiceRequest
	CanRate bool
}

// requests lists the service requests the user may read, newest first
// (an owner their organisation's: intake narrows the list), 20 a page,
// with a filter by status; each links to its page, where a closed one is
// rated.
func (s *Server) requests(w http.ResponseWriter, r *http.Request, se session) error {
	if !has(se.User, "owner", "officer", "supervisor") {
		s.forbidden(w, r, "企业、推进专员和督导")
		return nil
	}
	status := r.URL.Query().Get("status")
	d := requestsData{Statuses: []option{{Value: "", Label: "全部", Selected: status == ""}}}
	known := status == ""
	for _, st := range requestStatuses {
		d.Statuses = append(d.Statuses, option{Value: st, Label: taskStatusNames[st], Selected: st == status})
		known = known || st == status
	}
	if !known {
		status = ""
	}
	pg := pageOf(r)
	l, err := s.forms.Requests(r.Context(), se.Token, api.RequestQuery{Status: status, Limit: requestsPerPage, Offset: pg.offset(requestsPerPage)})
	if err != nil {
		return err
	}
	d.Paging = pg.of(l.Total, requestsPerPage, r)
	for _, req := range l.Items {
		row := requestRow{ServiceRequest: req, CanRate: canRate(se.User, req)}
		if row.CanRate {
			d.ToRate++
		}
		d.Requests = append(d.Requests, row)
	}
	s.render(w, r, http.StatusOK, "requests", "我的诉求", d)
	return nil
}
