package transport

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-kit/kit/endpoint"
	kithttp "github.com/go-kit/kit/transport/http"

	"github.com/tuijin/tuijin/pkg/httpx"
	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// MarkdownContentType is the media type of a briefing in Markdown.
const MarkdownContentType = "text/markdown; charset=utf-8"

type briefingRequest struct{ Period string }

// briefingRoutes mounts the leaders' weekly and monthly briefings (简报), as
// JSON, Markdown and XLSX.
func briefingRoutes(route routeFunc, svc ledger.Briefings, deptName func(string) string) {
	weekly := makeWeeklyBriefingEndpoint(svc)
	monthly := makeMonthlyBriefingEndpoint(svc)
	decWeek, decMonth := decodeBriefingQuery("day"), decodeBriefingQuery("month")
	route("GET /v1/briefings/weekly", briefingReaders, weekly, decWeek, httpx.EncodeJSON)
	route("GET /v1/briefings/weekly.md", briefingReaders, weekly, decWeek, encodeBriefingMarkdown(deptName))
	route("GET /v1/briefings/weekly.xlsx", briefingReaders, weekly, decWeek, encodeBriefingXLSX(deptName))
	route("GET /v1/briefings/monthly", briefingReaders, monthly, decMonth, httpx.EncodeJSON)
	route("GET /v1/briefings/monthly.md", briefingReaders, monthly, decMonth, encodeBriefingMarkdown(deptName))
	route("GET /v1/briefings/monthly.xlsx", briefingReaders, monthly, decMonth, encodeBriefingXLSX(deptName))
}

func makeWeeklyBriefingEndpoint(svc ledger.Briefings) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.WeeklyBriefing(ctx, req.(briefingRequest).Period)
	}
}

func makeMonthlyBriefingEndpoint(svc ledger.Briefings) endpoint.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		return svc.MonthlyBriefing(ctx, req.(briefingRequest).Period)
	}
}

func decodeBriefingQuery(param string) kithttp.DecodeRequestFunc {
	return func(_ context.Context, r *http.Request) (any, error) {
		return briefingRequest{Period: r.URL.Query().Get(param)}, nil
	}
}

// briefingFile names a briefing's download: briefing-weekly-2026-11-23.md.
func briefingFile(b ledger.Briefing, ext string) string {
	return fmt.Sprintf("briefing-%s-%s.%s", b.Kind, b.Period, ext)
}

func encodeBriefingMarkdown(deptName func(string) string) kithttp.EncodeResponseFunc {
	return func(_ context.Context, w http.ResponseWriter, resp any) error {
		b := resp.(ledger.Briefing)
		w.Header().Set("Content-Type", MarkdownContentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="%s"`, briefingFile(b, "md")))
		w.WriteHeader(http.StatusOK)
		_, err := w.Write(BriefingMarkdown(b, deptName))
		return err
	}
}

func encodeBriefingXLSX(deptName func(string) string) kithttp.EncodeResponseFunc {
	return func(_ context.Context, w http.ResponseWriter, resp any) error {
		b := resp.(ledger.Briefing)
		// Rendered before the first byte, so that a failure still gets
		// the contract's error answer.
		body, err := BriefingXLSX(b, deptName)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", XLSXContentType)
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, briefingFile(b, "xlsx")))
		w.WriteHeader(http.StatusOK)
		_, err = w.Write(body)
		return err
	}
}
