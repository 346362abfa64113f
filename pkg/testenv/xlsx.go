package testenv

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// SheetRanges reads an XLSX file the way a reader that trusts the file's own
// declarations does: for each sheet (by name) the <dimension ref> it
// declares and the range its cells really use (the bounding box of its
// <c r> elements, "" when it has none). It parses the zip and the XML
// itself, so that it does not share a library's mistakes with the writer.
func SheetRanges(b []byte) (declared, used map[string]string, err error) {
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, nil, err
	}
	files := map[string]*zip.File{}
	for _, f := range z.File {
		files[f.Name] = f
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodeZipXML(files, "xl/workbook.xml", &wb); err != nil {
		return nil, nil, err
	}
	if err := decodeZipXML(files, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return nil, nil, err
	}
	targets := map[string]string{}
	for _, r := range rels.Rels {
		t := strings.TrimPrefix(r.Target, "/")
		if !strings.HasPrefix(t, "xl/") {
			t = path.Join("xl", t)
		}
		targets[r.ID] = t
	}
	declared, used = map[string]string{}, map[string]string{}
	for _, s := range wb.Sheets {
		var ws struct {
			Dimension *struct {
				Ref string `xml:"ref,attr"`
			} `xml:"dimension"`
			Rows []struct {
				Cells []struct {
					R string `xml:"r,attr"`
				} `xml:"c"`
			} `xml:"sheetData>row"`
		}
		if err := decodeZipXML(files, targets[s.RID], &ws); err != nil {
			return nil, nil, fmt.Errorf("sheet %s: %w", s.Name, err)
		}
		if ws.Dimension != nil {
			declared[s.Name] = ws.Dimension.Ref
		}
		minC, minR, maxC, maxR := 0, 0, 0, 0
		for _, row := range ws.Rows {
			for _, c := range row.Cells {
				col, r, err := cellCoordinates(c.R)
				if err != nil {
					return nil, nil, fmt.Errorf("sheet %s: %w", s.Name, err)
				}
				if maxC == 0 || col < minC {
					minC = col
				}
				if maxC == 0 || r < minR {
					minR = r
				}
				maxC, maxR = max(maxC, col), max(maxR, r)
			}
		}
		if maxC > 0 {
			used[s.Name] = cellName(minC, minR) + ":" + cellName(maxC, maxR)
		}
	}
	return declared, used, nil
}

// CheckSheetRanges fails t unless every sheet of the XLSX file b declares
// the range its cells use.
func CheckSheetRanges(t testing.TB, b []byte) {
	t.Helper()
	declared, used, err := SheetRanges(b)
	if err != nil {
		t.Fatal(err)
	}
	for sheet, u := range used {
		if d := declared[sheet]; d != u {
			t.Errorf("sheet %s declares <dimension ref=%q>, its cells use %s", sheet, d, u)
		}
	}
}

func decodeZipXML(files map[string]*zip.File, name string, v any) error {
	f, ok := files[name]
	if !ok {
		return fmt.Errorf("xlsx: no %s", name)
	}
	r, err := f.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return xml.Unmarshal(b, v)
}

var cellRE = regexp.MustCompile(`^([A-Z]{1,3})([1-9][0-9]*)$`)

func cellCoordinates(ref string) (col, row int, err error) {
	m := cellRE.FindStringSubmatch(ref)
	if m == nil {
		return 0, 0, fmt.Errorf("xlsx: cell reference %q", ref)
	}
	for _, c := range m[1] {
		col = col*26 + int(c-'A'+1)
	}
	row, err = strconv.Atoi(m[2])
	return col, row, err
}

func cellName(col, row int) string {
	var s []byte
	for ; col > 0; col = (col - 1) / 26 {
		s = append([]byte{byte('A' + (col-1)%26)}, s...)
	}
	return string(s) + strconv.Itoa(row)
}
