package transport

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// Media types of an import.
const (
	mediaCSV  = "text/csv"
	mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// maxImportBody bounds an import file (a few thousand rows fit easily).
const maxImportBody = 8 << 20

// columns maps the header cells clerks write (Chinese, as in the ledgers
// of the seeds, or the API's field names) to project fields.
var columns = map[string]string{
	"项目代码": "code", "code": "code",
	"项目名称": "name", "name": "name",
	"项目类别": "category", "类别": "category", "category": "category",
	"项目级别": "level", "级别": "level", "level": "level",
	"建设单位": "owner_organisation", "业主单位": "owner_organisation", "owner_organisation": "owner_organisation",
	"联系人": "owner_contact", "owner_contact": "owner_contact",
	"联系电话": "owner_phone", "owner_phone": "owner_phone",
	"建设地点": "location", "location": "location",
	"总投资（万元）": "investment_wan", "总投资(万元)": "investment_wan", "总投资": "investment_wan", "investment_wan": "investment_wan",
	"项目阶段": "stage", "阶段": "stage", "stage": "stage",
	"专员": "officer", "帮办专员": "officer", "officer": "officer",
	"专班": "work_group", "work_group": "work_group",
	"绿色通道": "green_channel", "green_channel": "green_channel",
	"计划开工": "planned_start", "计划开工时间": "planned_start", "计划开工日期": "planned_start", "planned_start": "planned_start",
}

// ignored columns are common in spreadsheets and carry nothing to import.
var ignored = map[string]bool{"序号": true, "备注": true}

var required = []string{"code", "name", "category", "level", "owner_organisation", "owner_contact", "investment_wan"}

func decodeImport(ctx context.Context, r *http.Request) (any, error) {
	// A file is read only for a caller who may import it: opening an XLSX
	// of 8 MiB is real work, not to be done for anyone who asks.
	if _, err := auth.Require(ctx, importRoles...); err != nil {
		return nil, err
	}
	if err := httpx.RequireMediaType(r, mediaCSV, mediaXLSX); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxImportBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &apperr.Error{Kind: apperr.KindTooLarge, Code: "body_too_large",
				Message: fmt.Sprintf("the file exceeds %d bytes", mbe.Limit)}
		}
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var records [][]string
	if strings.EqualFold(mt, mediaXLSX) {
		records, err = readXLSX(data)
	} else {
		records, err = readCSV(data)
	}
	if err != nil {
		return nil, err
	}
	rows, err := parseRows(records)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return importRequest{Rows: rows, Key: intake.ImportKey{Key: r.Header.Get("Idempotency-Key"),
		Fingerprint: hex.EncodeToString(sum[:])}}, nil
}

type importRequest struct {
	Rows []intake.ImportRow
	Key  intake.ImportKey
}

type importResponse struct {
	Result   intake.ImportResult
	Replayed bool
}

// encodeImportResponse answers 200, marked as a replay to a retry.
func encodeImportResponse(_ context.Context, w http.ResponseWriter, resp any) error {
	ir := resp.(importResponse)
	if ir.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	httpx.WriteJSON(w, http.StatusOK, ir.Result)
	return nil
}

func readCSV(data []byte) ([][]string, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // Excel writes a BOM
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	records, err := cr.ReadAll()
	if err != nil {
		return nil, apperr.Malformed("malformed_csv", "the file is not valid CSV: "+err.Error())
	}
	return records, nil
}

// maxImportUnzipped bounds what an import workbook may expand to: an 8 MiB
// zip can declare gigabytes (a zip bomb), and excelize would by default
// unpack up to 16 GB into memory.
const maxImportUnzipped = 64 << 20

func readXLSX(data []byte) ([][]string, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, apperr.Malformed("malformed_xlsx", "the file is not a readable XLSX workbook")
	}
	var unzipped uint64
	for _, zf := range zr.File {
		unzipped += zf.UncompressedSize64
		if unzipped > maxImportUnzipped {
			return nil, &apperr.Error{Kind: apperr.KindTooLarge, Code: "body_too_large",
				Message: fmt.Sprintf("the workbook unpacks to more than %d bytes", maxImportUnzipped)}
		}
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxImportUnzipped})
	if err != nil {
		return nil, apperr.Malformed("malformed_xlsx", "the file is not a readable XLSX workbook")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, apperr.Malformed("malformed_xlsx", "the workbook has no sheet")
	}
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return nil, apperr.Malformed("malformed_xlsx", "the first sheet cannot be read: "+err.Error())
	}
	return rows, nil
}

// parseRows turns a header row and data rows into import rows. Blank rows
// (spreadsheets end with some) are skipped.
func parseRows(records [][]string) ([]intake.ImportRow, error) {
	if len(records) == 0 {
		return nil, apperr.Invalid("file", "empty", "the file is empty")
	}
	fieldAt := map[int]string{}
	present := map[string]bool{}
	for i, h := range records[0] {
		h = strings.TrimSpace(h)
		if h == "" || ignored[h] {
			continue
		}
		f, ok := columns[h]
		if !ok {
			return nil, apperr.Invalid("header", "unknown_column", fmt.Sprintf("column %d, %q, is not a project field", i+1, h))
		}
		if present[f] {
			return nil, apperr.Invalid("header", "duplicate_column", fmt.Sprintf("two columns hold %s", f))
		}
		fieldAt[i], present[f] = f, true
	}
	for _, f := range required {
		if !present[f] {
			return nil, apperr.Invalid("header", "missing_column", "the header has no column for "+f)
		}
	}
	var rows []intake.ImportRow
	for n, rec := range records[1:] {
		if blank(rec) {
			continue
		}
		row := intake.ImportRow{Row: n + 2}
		for i, cell := range rec {
			if f, ok := fieldAt[i]; ok {
				if err := set(&row.Project, f, strings.TrimSpace(cell)); err != nil && row.Problem == nil {
					row.Problem = err
				}
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func set(p *intake.Project, field, v string) *apperr.Error {
	switch field {
	case "code":
		p.Code = v
	case "name":
		p.Name = v
	case "category":
		p.Category = v
	case "level":
		p.Level = v
	case "owner_organisation":
		p.OwnerOrganisation = v
	case "owner_contact":
		p.OwnerContact = v
	case "owner_phone":
		p.OwnerPhone = v
	case "location":
		p.Location = v
	case "investment_wan":
		f, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
		if err != nil {
			return apperr.Invalid(field, "invalid_number", fmt.Sprintf("%q is not an amount in 万元", v))
		}
		p.InvestmentWan = f
	case "stage":
		p.Stage = v
	case "officer":
		p.Officer = v
	case "work_group":
		p.WorkGroup = v
	case "planned_start":
		p.PlannedStart = v
	case "green_channel":
		switch strings.ToLower(v) {
		case "是", "true", "1", "yes", "y":
			p.GreenChannel = true
		case "否", "false", "0", "no", "n", "":
			p.GreenChannel = false
		default:
			return apperr.Invalid(field, "invalid_flag", fmt.Sprintf("%q is not 是 or 否", v))
		}
	}
	return nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}
