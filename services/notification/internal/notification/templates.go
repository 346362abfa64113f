package notification

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"
)

// Names of the message templates, one file each in templates/.
const (
	TplItemAssigned      = "item_assigned"
	TplItemChanged       = "item_changed"
	TplRequestReceived   = "request_received"
	TplTaskChanged       = "task_changed"
	TplDeadlineWarning   = "deadline_warning"
	TplDeadlineOverdue   = "deadline_overdue"
	TplDeadlineEscalated = "deadline_escalated"
	TplMeetingScheduled  = "meeting_scheduled"
	TplActionCreated     = "action_created"
	TplActionChanged     = "action_changed"
	TplDailyDigest       = "daily_digest"
	TplWeeklyBulletin    = "weekly_bulletin"
	TplDailySummary      = "daily_summary"
)

//go:embed templates/*.tmpl
var templateFiles embed.FS

// Templates renders messages. Each file defines a "title" and a "body".
type Templates struct {
	byName map[string]*template.Template
}

// LoadTemplates parses every embedded template; a broken one fails start-up.
func LoadTemplates() (*Templates, error) {
	t := &Templates{byName: map[string]*template.Template{}}
	names, err := fs.Glob(templateFiles, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{"inc": func(i int) int { return i + 1 }}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".tmpl")
		tpl, err := template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(templateFiles, n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		for _, part := range []string{"title", "body"} {
			if tpl.Lookup(part) == nil {
				return nil, fmt.Errorf("template %s defines no %q", name, part)
			}
		}
		t.byName[name] = tpl
	}
	return t, nil
}

// Names lists the templates, sorted.
func (t *Templates) Names() []string {
	names := make([]string, 0, len(t.byName))
	for n := range t.byName {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Render returns the title and body of template name over data.
func (t *Templates) Render(name string, data any) (title, body string, err error) {
	tpl, ok := t.byName[name]
	if !ok {
		return "", "", fmt.Errorf("no template %q", name)
	}
	var b bytes.Buffer
	if err := tpl.ExecuteTemplate(&b, "title", data); err != nil {
		return "", "", fmt.Errorf("render %s title: %w", name, err)
	}
	title = strings.TrimSpace(b.String())
	b.Reset()
	if err := tpl.ExecuteTemplate(&b, "body", data); err != nil {
		return "", "", fmt.Errorf("render %s body: %w", name, err)
	}
	return title, strings.TrimSpace(b.String()), nil
}
