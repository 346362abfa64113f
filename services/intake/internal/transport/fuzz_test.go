package transport

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/testenv"
)

var decoders = []testenv.Decoder{
	{Name: "register project", Method: "POST", ContentType: "application/json", Decode: decodeRegisterProject},
	{Name: "submit request", Method: "POST", ContentType: "application/json", Decode: decodeSubmitRequest},
	{Name: "import csv", Method: "POST", ContentType: mediaCSV, Decode: decodeImport},
	{Name: "get request", Method: "GET", Decode: decodeGetRequest},
	{Name: "get project", Method: "GET", Decode: decodeGetProject},
	{Name: "list projects", Method: "GET", Decode: decodeListProjects},
	{Name: "open311 post request", Method: "POST", ContentType: "application/x-www-form-urlencoded", Decode: decodePostRequest},
	{Name: "open311 requests", Method: "GET", Decode: decodeRequests},
	{Name: "open311 service definition", Method: "GET", Decode: decodeServiceDefinition},
	{Name: "open311 request", Method: "GET", Decode: decodeRequest},
	{Name: "list requests", Method: "GET", Decode: decodeListRequests},
	{Name: "rate request", Method: "POST", ContentType: "application/json", Decode: decodeRateRequest},
}

// FuzzDecoders: whatever a caller sends to any of intake's routes, the
// route's decoder answers a request or a business error.
func FuzzDecoders(f *testing.F) {
	f.Add(uint8(0), "", "", []byte(`{"code":"2026-370481-04-01-000001","name":"智能装备产业园","category":"招商引资","level":"市","owner_organisation":"示范公司","owner_contact":"王经理","investment_wan":120000,"green_channel":true}`))
	f.Add(uint8(1), "", "", []byte(`{"project_code":"2026-370481-04-01-000001","kind":"consult","title":"用地","contact":"王","phone":"13800000000"}`))
	f.Add(uint8(1), "", "", []byte(`{"title":null}`))
	f.Add(uint8(2), "", "", []byte("项目代码,项目名称\n2026-370481-04-01-000001,园\n"))
	f.Add(uint8(3), "", "req-1", []byte{})
	f.Add(uint8(5), "owner=x&stage=审批&limit=10&offset=-1", "", []byte{})
	f.Add(uint8(5), "limit=99999999999999999999", "", []byte{})
	f.Add(uint8(6), "", "", []byte("api_key=k&service_code=101&attribute[project_code]=2026-370481-04-01-000001&attribute[x]=1"))
	f.Add(uint8(6), "", "", []byte("api_key=%zz&service_code=1&service_code=2"))
	f.Add(uint8(7), "status=open,closed&start_date=2026-01-01T00:00:00Z&end_date=bad&service_request_id=,a,", "", []byte{})
	f.Add(uint8(10), "project=2026-370481-04-01-000001&status=closed&limit=1&offset=x", "", []byte{})
	f.Add(uint8(11), "", "req-1", []byte(`{"score":5,"comment":"好"}`))
	f.Fuzz(func(t *testing.T, which uint8, query, pathValue string, body []byte) {
		testenv.FuzzDecoders(t, decoders, which, query, pathValue, body)
	})
}

// FuzzImportXLSX: whatever workbook an owner uploads, the import reads
// rows or refuses it with a business error; it never panics.
func FuzzImportXLSX(f *testing.F) {
	f.Add(sampleXLSX(f, [][]string{
		{"序号", "项目代码", "项目名称", "总投资（万元）", "绿色通道"},
		{"1", "2026-370481-04-01-000001", "智能装备产业园", "120,000", "是"},
	}))
	f.Add(sampleXLSX(f, nil))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		records, err := readXLSX(data)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("readXLSX: %v is not a business error", err)
			}
			return
		}
		if _, err := parseRows(records); err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("parseRows: %v is not a business error", err)
			}
		}
	})
}

func sampleXLSX(f *testing.F, rows [][]string) []byte {
	x := excelize.NewFile()
	defer x.Close()
	for i, row := range rows {
		cells := make([]any, len(row))
		for j, c := range row {
			cells[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &cells); err != nil {
			f.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := x.Write(&b); err != nil {
		f.Fatal(err)
	}
	return b.Bytes()
}

// A workbook that unpacks to more than maxImportUnzipped is refused as too
// large before anything is unpacked (a zip bomb: 8 MiB on the wire,
// gigabytes in memory).
func TestImportXLSXRefusesZipBomb(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range maxImportUnzipped>>20 + 1 {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = readXLSX(b.Bytes())
	if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindTooLarge {
		t.Fatalf("%d-byte zip of %d bytes: %v, want too large", b.Len(), maxImportUnzipped+1<<20, err)
	}
}
