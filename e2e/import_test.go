package e2e

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/event"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

var importHeader = []string{"序号", "项目代码", "项目名称", "项目类别", "项目级别", "建设单位", "联系人", "联系电话", "总投资（万元）", "项目阶段", "专员", "专班", "绿色通道"}

func importRow(n int, code string) []string {
	return []string{strconv.Itoa(n), code, "导入项目" + code[len(code)-3:], "社会投资", "县",
		"示范建设单位", "孙经理", "0535-1112222", "5000", "审批", "张伟", "zhujian", "否"}
}

func csvOf(rows ...[]string) []byte {
	var b strings.Builder
	b.WriteString("\ufeff") // as Excel saves it
	for _, r := range rows {
		b.WriteString(strings.Join(r, ",") + "\r\n")
	}
	return []byte(b.String())
}

func xlsxOf(t *testing.T, rows ...[]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		if err := f.SetSheetRow("Sheet1", cell, &vals); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type importResult struct {
	Created  []string `json:"created"`
	Existing []string `json:"existing"`
}

// TestProjectImport imports a county's project list from CSV and XLSX:
// a sheet with one bad row imports nothing and says which row; a good
// sheet registers every project, which the ledger then opens; sending the
// same sheet again registers nothing twice.
func TestProjectImport(t *testing.T) {
	s := newSystem(t)
	s.start("intake", "ledger")
	importURL := s.url("intake") + "/v1/projects:import"

	bad := importRow(2, projectCode(502))
	bad[8] = "五千" // investment is not a number
	var e apiError
	resp := s.do(supervisor, http.MethodPost, importURL, "text/csv", csvOf(importHeader, importRow(1, projectCode(501)), bad), nil, &e)
	if resp.StatusCode != http.StatusUnprocessableEntity || e.Error.Code != "invalid_rows" ||
		e.Error.Field != "investment_wan" || !strings.Contains(e.Error.Message, "row 3") {
		t.Fatalf("bad sheet: status %d, %+v; want 422 invalid_rows naming row 3", resp.StatusCode, e)
	}
	if n := s.count("tuijin_intake", "projects"); n != 0 {
		t.Fatalf("%d projects stored from a refused sheet", n)
	}

	var res importResult
	csvFile := csvOf(importHeader, importRow(1, projectCode(501)), importRow(2, projectCode(502)))
	if resp := s.do(supervisor, http.MethodPost, importURL, "text/csv", csvFile, nil, &res); resp.StatusCode != http.StatusOK ||
		len(res.Created) != 2 || len(res.Existing) != 0 {
		t.Fatalf("csv import: status %d, %+v", resp.StatusCode, res)
	}
	xlsxFile := xlsxOf(t, importHeader, importRow(1, projectCode(502)), importRow(3, projectCode(503)))
	res = importResult{}
	if resp := s.do(supervisor, http.MethodPost, importURL, xlsxType, xlsxFile, nil, &res); resp.StatusCode != http.StatusOK ||
		len(res.Created) != 1 || res.Created[0] != projectCode(503) || len(res.Existing) != 1 || res.Existing[0] != projectCode(502) {
		t.Fatalf("xlsx import: status %d, %+v; want 503 created and 502 existing", resp.StatusCode, res)
	}
	if n := s.streamCount("TUIJIN_EVENTS", event.TypeProjectRegistered); n != 3 {
		t.Fatalf("%d project.registered events, want 3", n)
	}
	eventually(t, 20*time.Second, "three ledgers", func() bool { return s.count("tuijin_ledger", "projects") == 3 })

	var p struct {
		Stage     string `json:"stage"`
		WorkGroup string `json:"work_group"`
		Officer   string `json:"officer"`
	}
	if st := s.getJSON(supervisor, s.url("ledger")+"/v1/projects/"+projectCode(503), &p); st != http.StatusOK ||
		p.WorkGroup != "zhujian" || p.Officer != "zhangwei" {
		t.Fatalf("ledger of an imported project: status %d, %+v", st, p)
	}

	for name, c := range map[string]struct {
		contentType string
		body        []byte
		status      int
	}{
		"not a workbook":   {xlsxType, []byte("PK not really"), 400},
		"json":             {"application/json", []byte(`{}`), 415},
		"unknown column":   {"text/csv", csvOf(append(importHeader, "预算")), 422},
		"header only":      {"text/csv", csvOf(importHeader), 422},
		"broken csv quote": {"text/csv", []byte("项目代码,\"项目名称\n"), 400},
	} {
		var e apiError
		if resp := s.do(supervisor, http.MethodPost, importURL, c.contentType, c.body, nil, &e); resp.StatusCode != c.status || e.Error.Code == "" {
			t.Errorf("%s: status %d, %+v; want %d", name, resp.StatusCode, e, c.status)
		}
	}
	if n := s.count("tuijin_intake", "projects"); n != 3 {
		t.Fatalf("%d projects after refused files, want 3", n)
	}
}
