package transport

import (
	"testing"

	"github.com/tuijin/tuijin/pkg/apperr"
)

func TestParseRows(t *testing.T) {
	header := []string{"序号", "项目代码", "项目名称", "项目类别", "项目级别", "建设单位", "联系人", "总投资（万元）", "项目阶段", "绿色通道"}
	rows, err := parseRows([][]string{
		header,
		{"1", "2026-370481-04-01-000001", "智能装备产业园", "招商引资", "市", "示范公司", "王经理", "120,000", "审批", "是"},
		{"", "", "", "", "", "", "", "", "", ""},
		{"3", "2026-370481-04-01-000003", "雨污分流", "城市建设", "县", "城投集团", "赵工", "很多", "", "否"},
		{"4", "2026-370481-04-01-000004", "短行"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3 (the blank one skipped)", len(rows))
	}
	first := rows[0]
	if first.Row != 2 || first.Problem != nil || first.Project.Code != "2026-370481-04-01-000001" ||
		first.Project.InvestmentWan != 120000 || !first.Project.GreenChannel || first.Project.Stage != "审批" {
		t.Errorf("row 2 = %+v", first)
	}
	if rows[1].Row != 4 || rows[1].Problem == nil || rows[1].Problem.Field != "investment_wan" {
		t.Errorf("row 4 = %+v, want an investment_wan problem", rows[1])
	}
	if rows[2].Row != 5 || rows[2].Project.Name != "短行" || rows[2].Project.Category != "" {
		t.Errorf("a short row reads its cells and leaves the rest empty: %+v", rows[2])
	}

	for name, records := range map[string][][]string{
		"empty file":        nil,
		"unknown column":    {append(header, "预算")},
		"missing column":    {header[:5]},
		"duplicated column": {append(header, "code")},
	} {
		_, err := parseRows(records)
		if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindInvalid {
			t.Errorf("%s: %v, want an invalid-input error", name, err)
		}
	}
}

// FuzzImportCSV: whatever file an owner uploads, the import reads rows or
// refuses it with a business error; it never panics.
func FuzzImportCSV(f *testing.F) {
	f.Add([]byte("序号,项目代码,项目名称\n1,2026-370481-04-01-000001,智能装备产业园\n"))
	f.Add([]byte("\ufeff项目代码,总投资（万元）,绿色通道\n2026-370481-04-01-000002,\"1,000\",是\n"))
	f.Add([]byte("\"unterminated\n"))
	f.Add([]byte(",,,\n,,\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		records, err := readCSV(data)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("readCSV: %v is not a business error", err)
			}
			return
		}
		rows, err := parseRows(records)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("parseRows: %v is not a business error", err)
			}
			return
		}
		for _, r := range rows {
			if r.Row < 1 {
				t.Fatalf("row number %d", r.Row)
			}
		}
	})
}
