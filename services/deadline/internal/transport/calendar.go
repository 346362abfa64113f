package transport

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/go-kit/kit/endpoint"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/httpx"
)

// yearSource says where a year's arrangement comes from: the State Council
// notice its file records, or the library for years no file covers.
type yearSource struct {
	Title   string `json:"title,omitempty"`
	Date    string `json:"date,omitempty"` // YYYY-MM-DD the notice was issued
	Number  string `json:"number,omitempty"`
	File    string `json:"file,omitempty"`
	Library string `json:"library,omitempty"`
}

type calendarYear struct {
	Year int `json:"year"`
	// Covered is false for a year without official data: it is counted on
	// weekends only, and its statutory holidays count as working days.
	Covered bool        `json:"covered"`
	Source  *yearSource `json:"source,omitempty"`
}

type calendarDay struct {
	Date string `json:"date"`
	Name string `json:"name"`
	Work bool   `json:"work"` // a make-up working day (调休); else a day off
}

type calendarYearResponse struct {
	calendarYear
	Days []calendarDay `json:"days"`
}

type refusedFile struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

type calendarYearsResponse struct {
	Years   []calendarYear `json:"years"`
	Refused []refusedFile  `json:"refused"`
}

type calendarYearRequest struct{ Year int }

// CalendarData is the calendar in use and the year files it was loaded
// from, read at every request: they change when a year file arrives (an
// official.Reloader).
type CalendarData interface {
	Official() *workday.Official
	Files() *workday.Files
}

// StaticCalendar is calendar data that does not change.
type StaticCalendar struct {
	Cal       *workday.Official
	YearFiles *workday.Files
}

// Official implements CalendarData.
func (s StaticCalendar) Official() *workday.Official { return s.Cal }

// Files implements CalendarData.
func (s StaticCalendar) Files() *workday.Files { return s.YearFiles }

// CalendarRoutes mounts the calendar's data: which years it has, where each
// comes from, and the year files it refused; any signed-in caller reads it.
func CalendarRoutes(mux *http.ServeMux, data CalendarData, log *slog.Logger) {
	opts := []kithttp.ServerOption{kithttp.ServerErrorEncoder(httpx.ErrorEncoder(log))}
	mux.Handle("GET /v1/calendar/years", kithttp.NewServer(
		signedIn(makeCalendarYearsEndpoint(data)), decodeCalendarYearsRequest, httpx.EncodeJSON, opts...))
	mux.Handle("GET /v1/calendar/years/{year}", kithttp.NewServer(
		signedIn(makeCalendarYearEndpoint(data)), decodeCalendarYearRequest, httpx.EncodeJSON, opts...))
}

func makeCalendarYearsEndpoint(data CalendarData) endpoint.Endpoint {
	return func(context.Context, any) (any, error) {
		cal, files := data.Official(), data.Files()
		resp := calendarYearsResponse{Years: []calendarYear{}, Refused: []refusedFile{}}
		for _, y := range cal.Years() {
			resp.Years = append(resp.Years, yearOf(cal, files, y))
		}
		for _, r := range files.Refused() {
			resp.Refused = append(resp.Refused, refusedFile{File: r.File, Error: r.Err.Error()})
		}
		return resp, nil
	}
}

func makeCalendarYearEndpoint(data CalendarData) endpoint.Endpoint {
	return func(_ context.Context, req any) (any, error) {
		y := req.(calendarYearRequest).Year
		cal, files := data.Official(), data.Files()
		resp := calendarYearResponse{calendarYear: yearOf(cal, files, y), Days: []calendarDay{}}
		for _, e := range cal.Entries(y) {
			resp.Days = append(resp.Days, calendarDay{Date: e.Date.Format(time.DateOnly), Name: e.Name, Work: e.Work})
		}
		return resp, nil
	}
}

func yearOf(cal *workday.Official, files *workday.Files, y int) calendarYear {
	out := calendarYear{Year: y, Covered: cal.Covers(y)}
	switch n, ok := files.Notice(y); {
	case ok:
		out.Source = &yearSource{Title: n.Title, Date: n.Date.Format(time.DateOnly), Number: n.Number, File: files.Origin(y)}
	case out.Covered:
		out.Source = &yearSource{Library: workday.LunarSource}
	}
	return out
}

func decodeCalendarYearsRequest(context.Context, *http.Request) (any, error) { return nil, nil }

func decodeCalendarYearRequest(_ context.Context, r *http.Request) (any, error) {
	y, err := strconv.Atoi(r.PathValue("year"))
	if err != nil || y < 1990 || y > 2199 {
		return nil, apperr.Invalid("year", "invalid_year", "year must be a year from 1990 to 2199")
	}
	return calendarYearRequest{Year: y}, nil
}
