package web

import (
	"cmp"
	"net/http"
	"strings"
	"time"

	"github.com/tuijin/tuijin/services/portal/internal/api"
)

const queuePerPage = 20

// queueStatuses are the filters of the work queue.
var queueStatuses = []string{"assigned", "accepted", "supplement", "suspended", "waiting", "approved", "rejected"}

type queueData struct {
	Department string
	Status     string
	Statuses   []option
	Items      []queueRow
	Paging     paging
	// MarksMissing: the deadline service did not answer, so red and yellow
	// marks come from the due dates alone.
	MarksMissing bool
}

type option struct {
	Value, Label string
	Selected     bool
}

type queueRow struct {
	api.QueueItem
	Mark, MarkWords string
	Provisional     bool
}

// department is the department whose work the user does, or a 403 page.
func (s *Server) department(w http.ResponseWriter, r *http.Request, se session) (string, bool) {
	if !has(se.User, "clerk", "leader") || se.User.Department == "" {
		s.errorPage(w, r, problem{Status: http.StatusForbidden, Message: "此页面供部门经办人和负责人使用。"})
		return "", false
	}
	return se.User.Department, true
}

// queue is the department's work queue, earliest due first, marked red
// and yellow as the deadline service warns.
func (s *Server) queue(w http.ResponseWriter, r *http.Request, se session) error {
	dept, ok := s.department(w, r, se)
	if !ok {
		return nil
	}
	status := r.URL.Query().Get("status")
	d := queueData{Department: s.departmentName(dept), Status: status,
		Statuses: []option{{Value: "", Label: "全部待办", Selected: status == ""}}}
	known := status == ""
	for _, st := range queueStatuses {
		d.Statuses = append(d.Statuses, option{Value: st, Label: statusName(st), Selected: st == status})
		known = known || st == status
	}
	if !known {
		status, d.Status = "", ""
	}
	pg := pageOf(r)
	q, err := s.queuePage(r, se, dept, status, pg)
	if err != nil {
		return err
	}
	levels := map[string]string{}
	warnings, err := s.api.Warnings(r.Context(), se.Token, dept)
	if err != nil {
		if api.StatusOf(err) == http.StatusUnauthorized {
			return err
		}
		s.log.WarnContext(r.Context(), "queue without deadline marks", "err", err)
		d.MarksMissing = true
	}
	for _, dl := range warnings {
		if dl.Kind == "item" {
			levels[dl.RefID] = dl.Level
		}
	}
	now := s.now()
	for _, it := range q.Items {
		row := queueRow{QueueItem: it, Provisional: s.provisional(it.Due)}
		row.Mark, row.MarkWords = markOf(levels[it.ID], it.Item, now)
		d.Items = append(d.Items, row)
	}
	d.Paging = pg.of(q.Total, queuePerPage, r)
	s.render(w, r, http.StatusOK, "queue", "待办事项", d)
	return nil
}

// queuePage is one page of the queue with status, or, with none, of every
// item pending at the department (待受理, 已受理, 待补正, 已中止): the ledger
// filters by one status at a time, so the portal reads the department's
// items (500 to a call, earliest due first) and keeps the pending ones.
func (s *Server) queuePage(r *http.Request, se session, dept, status string, pg page) (api.Queue, error) {
	if status != "" {
		return s.api.Queue(r.Context(), se.Token, api.QueueQuery{Department: dept, Status: status,
			Limit: queuePerPage, Offset: pg.offset(queuePerPage)})
	}
	const batch = 500
	var pending []api.QueueItem
	for offset := 0; ; offset += batch {
		q, err := s.api.Queue(r.Context(), se.Token, api.QueueQuery{Department: dept, Limit: batch, Offset: offset})
		if err != nil {
			return api.Queue{}, err
		}
		for _, it := range q.Items {
			if pendingStatus(it.Status) {
				pending = append(pending, it)
			}
		}
		if len(q.Items) < batch || offset+batch >= q.Total {
			break
		}
	}
	from := min(pg.offset(queuePerPage), len(pending))
	return api.Queue{Total: len(pending), Limit: queuePerPage, Offset: from,
		Items: pending[from:min(from+queuePerPage, len(pending))]}, nil
}

// markOf is the red or yellow mark of a queue item: the deadline service's
// level, or red when a pending item is past its due date and the clock has
// not said so (yet, or it could not be asked).
func markOf(level string, it api.Item, now time.Time) (class, words string) {
	if !pendingStatus(it.Status) {
		return "", ""
	}
	if level == "" && it.Due != nil && now.After(*it.Due) {
		level = "red"
	}
	return levelMark(level)
}

func pendingStatus(s string) bool {
	switch s {
	case "assigned", "accepted", "supplement", "suspended":
		return true
	}
	return false
}

type itemData struct {
	Item           api.Item
	Project        api.Ledger
	DepartmentName string
	Provisional    bool
	Actions        []string
	// CanAct: the user is a clerk or leader of the item's department.
	CanAct  bool
	Done    string
	Note    string
	Problem *problem
	Version int64
	// Modes are the special forms offered (容缺受理, 告知承诺, 承诺核查) and
	// Form what they were filled in with when the ledger refused.
	Modes        itemModes
	Form         form
	CheckResults []option
}

// item is one approval item: where it stands, its timeline and the
// actions the department may take.
func (s *Server) item(w http.ResponseWriter, r *http.Request, se session) error {
	d, err := s.itemData(r, se, r.PathValue("id"))
	if err != nil {
		return err
	}
	if a := r.URL.Query().Get("done"); a != "" {
		d.Done = "已完成「" + cmp.Or(modeNames[a], actionName(a)) + "」，事项现为「" + statusName(d.Item.Status) + "」。"
	}
	s.render(w, r, http.StatusOK, "item", d.Item.Name, d)
	return nil
}

func (s *Server) itemData(r *http.Request, se session, id string) (itemData, error) {
	code, ok := projectOf(id)
	if !ok {
		return itemData{}, &api.Error{Service: api.ServiceLedger, Status: http.StatusNotFound, Code: "item_not_found"}
	}
	l, err := s.api.Ledger(r.Context(), se.Token, code)
	if err != nil {
		return itemData{}, err
	}
	it, ok := l.Item(id)
	if !ok {
		return itemData{}, &api.Error{Service: api.ServiceLedger, Status: http.StatusNotFound, Code: "item_not_found"}
	}
	d := itemData{Item: it, Project: l, DepartmentName: s.departmentName(it.Department), Provisional: s.provisional(it.Due),
		CanAct: has(se.User, "clerk", "leader") && se.User.Department == it.Department, Version: l.Version}
	if d.CanAct {
		d.Actions = allowedActions(it)
		d.Modes = modesOf(it)
	}
	d.Form, d.CheckResults = newForm(nil, itemFields...), checkResults
	return d, nil
}

// projectOf is the project code of an item id (<project code>.<item type>).
func projectOf(id string) (string, bool) {
	i := strings.LastIndexByte(id, '.')
	if i <= 0 || i == len(id)-1 {
		return "", false
	}
	return id[:i], true
}

// act takes a department action on an item. Success goes back to the item
// page (so a reload repeats nothing); a refusal shows the item as it is now
// with the reason in words, next to the field it concerns, and the forms as
// they were filled in.
func (s *Server) act(w http.ResponseWriter, r *http.Request, se session) error {
	id := r.PathValue("id")
	actor := se.User.Name
	if actor == "" {
		actor = se.User.Subject
	}
	a, p := actionOf(r.PostForm, actor)
	if p == nil {
		_, actErr := s.api.Act(r.Context(), se.Token, id, a)
		if actErr == nil {
			http.Redirect(w, r, "/items/"+id+"?done="+cmp.Or(r.PostFormValue("mode"), a.Action), http.StatusSeeOther)
			return nil
		}
		if api.StatusOf(actErr) == http.StatusUnauthorized {
			return actErr
		}
		e := explainAction(actErr, a.Action)
		if e.Status >= 500 {
			s.log.ErrorContext(r.Context(), "action failed", "item", id, "action", a.Action, "err", actErr)
		}
		p = &e
	}
	d, err := s.itemData(r, se, id)
	if err != nil {
		return err
	}
	d.Problem, d.Note = p, a.Note
	d.Form = newForm(r.PostForm, itemFields...)
	d.Form.refuse(*p)
	s.render(w, r, p.Status, "item", d.Item.Name, d)
	return nil
}

type inboxData struct {
	Department string
	Inbox      api.Inbox
	MarkedRead bool
}

// inbox is the department's messages, newest first.
func (s *Server) inbox(w http.ResponseWriter, r *http.Request, se session) error {
	dept, ok := s.department(w, r, se)
	if !ok {
		return nil
	}
	in, err := s.api.Inbox(r.Context(), se.Token, "dept:"+dept, 50)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "inbox", "部门消息", inboxData{Department: s.departmentName(dept), Inbox: in,
		MarkedRead: r.URL.Query().Has("read")})
	return nil
}

func (s *Server) markRead(w http.ResponseWriter, r *http.Request, se session) error {
	if err := s.api.MarkRead(r.Context(), se.Token, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/inbox?read=1", http.StatusSeeOther)
	return nil
}
