package intake

import (
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/org"
)

func TestReferenceResolve(t *testing.T) {
	o, err := org.Demo()
	if err != nil {
		t.Fatal(err)
	}
	ref := NewReference(o)
	for _, tt := range []struct {
		officer, group         string
		wantOfficer, wantGroup string
		field                  string // of the error, "" for success
	}{
		{officer: "wangfang", group: "duban", wantOfficer: "wangfang", wantGroup: "duban"},
		{officer: "王芳", group: "duban", wantOfficer: "wangfang", wantGroup: "duban"},
		{officer: "", group: "", wantOfficer: "", wantGroup: ""},
		{officer: "李专员", group: "duban", field: "officer"},
		{officer: strings.Repeat("x", 60000), field: "officer"},
		{officer: "wangfang", group: "no-such-group", field: "work_group"},
	} {
		p := validProject()
		p.Officer, p.WorkGroup = tt.officer, tt.group
		err := ref.Resolve(&p)
		if tt.field != "" {
			e, ok := apperr.As(err)
			if !ok || e.Kind != apperr.KindInvalid || e.Field != tt.field || !strings.Contains(e.Message, "wangfang（王芳）") && tt.field == "officer" {
				t.Errorf("%.20q/%q: %v, want an invalid %s listing the allowed values", tt.officer, tt.group, err, tt.field)
			}
			continue
		}
		if err != nil || p.Officer != tt.wantOfficer || p.WorkGroup != tt.wantGroup {
			t.Errorf("%q/%q: got %q/%q, %v; want %q/%q", tt.officer, tt.group, p.Officer, p.WorkGroup, err, tt.wantOfficer, tt.wantGroup)
		}
	}
}
