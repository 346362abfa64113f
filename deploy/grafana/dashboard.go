// Package grafana builds the operations dashboard of Tuijin: the backlog
// per department (the gauge the service room is judged by), the clock's
// red and yellow lists and its escalations, throughput, the health of the
// event bus and of notifications, and the HTTP APIs.
//
// The dashboard is code, built with the Grafana Foundation SDK; its JSON is
// generated into k8s/base/grafana (make dashboards), shipped as a ConfigMap
// that Grafana's dashboard sidecar picks up, and checked by tests: the
// committed JSON is what this code builds, every query is valid PromQL, and
// (in e2e) every metric it reads is one the running services export.
package grafana

import (
	"encoding/json"
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// UID is the dashboard's stable identifier, so links to it survive
// re-imports.
const UID = "tuijin-operations"

// datasource is the Prometheus picked in the dashboard's variable.
var datasource = common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${datasource}")}

// dept filters every per-department query by the department variable.
const dept = `department=~"$department"`

// Gauges are exported by every replica alike (each recounts from the
// database), so replicas are folded with max, never summed.

// Operations builds the dashboard.
func Operations() (dashboard.Dashboard, error) {
	b := dashboard.NewDashboardBuilder("Tuijin 推进 — operations").
		Uid(UID).
		Description("Backlog per department, deadlines and escalations, throughput, event bus, notifications and HTTP APIs of Tuijin.").
		Tags([]string{"tuijin"}).
		Refresh("1m").
		Time("now-7d", "now").
		Timezone("Asia/Shanghai").
		Tooltip(dashboard.DashboardCursorSyncCrosshair).
		WithVariable(dashboard.NewDatasourceVariableBuilder("datasource").Label("Prometheus").Type("prometheus")).
		WithVariable(dashboard.NewQueryVariableBuilder("department").Label("部门 department").
			Datasource(datasource).
			Query(dashboard.StringOrMap{String: cog.ToPtr("label_values(tuijin_ledger_pending_items, department)")}).
			Refresh(dashboard.VariableRefreshOnTimeRangeChanged).
			Sort(dashboard.VariableSortAlphabeticalAsc).
			Multi(true).IncludeAll(true).AllValue(".*"))

	b = b.WithRow(dashboard.NewRowBuilder("待办 Backlog")).
		WithPanel(series("Pending items by department",
			"Items assigned to a department and not finished (tuijin_ledger_pending_items), all states.", "short", true,
			query("sum by (department) (max by (department, state) (tuijin_ledger_pending_items{"+dept+"}))", "{{department}}")).Span(9)).
		WithPanel(series("Pending items by state",
			"assigned: not yet accepted (受理); accepted: in review; supplement: the applicant owes materials (补正/容缺); suspended.", "short", true,
			query("sum by (state) (max by (department, state) (tuijin_ledger_pending_items{"+dept+"}))", "{{state}}")).Span(9)).
		WithPanel(bars("Pending now", "short",
			query("sum by (department) (max by (department, state) (tuijin_ledger_pending_items{"+dept+"}))", "{{department}}")))

	b = b.WithRow(dashboard.NewRowBuilder("时限 Deadlines and escalation")).
		WithPanel(series("Overdue items by level",
			"Red (overdue) and the ladder above it: 催办 urge, 督办 supervise, 约谈 interview, 提级 escalate.", "short", true,
			query("sum by (level) (max by (department, level) (tuijin_deadline_overdue_items{"+dept+"}))", "{{level}}"))).
		WithPanel(bars("Overdue now by department", "short",
			query("sum by (department) (max by (department, level) (tuijin_deadline_overdue_items{"+dept+"}))", "{{department}}"))).
		WithPanel(bars("Yellow (warning) now by department", "short",
			query("max by (department) (tuijin_deadline_yellow_items{"+dept+"})", "{{department}}"))).
		WithPanel(series("Ladder steps emitted", "Warnings, overdue notices and escalation steps fired, per hour.", "short", false,
			query("sum by (level) (increase(tuijin_deadline_steps_emitted_total[1h]))", "{{level}}"))).
		WithPanel(series("Firing lag", "Seconds from a step's due instant to its event.", "s", false,
			query("histogram_quantile(0.5, sum by (le) (rate(tuijin_deadline_firing_lag_seconds_bucket[$__rate_interval])))", "p50"),
			query("histogram_quantile(0.99, sum by (le) (rate(tuijin_deadline_firing_lag_seconds_bucket[$__rate_interval])))", "p99"))).
		WithPanel(health("Working-day calendar",
			"1: the calendar has holiday data for the year; 0: add its arrangement file (TUIJIN_CALENDAR_DIR) before the year starts.",
			query("min by (which) (tuijin_deadline_calendar_year_covered)", "{{which}} year")))

	b = b.WithRow(dashboard.NewRowBuilder("办理 Throughput")).
		WithPanel(series("Assignments and decisions per day", "Items assigned, approved and rejected.", "short", false,
			query("sum(increase(tuijin_ledger_assignments_total{"+dept+"}[1d]))", "assigned"),
			query("sum by (outcome) (increase(tuijin_ledger_completions_total{"+dept+"}[1d]))", "{{outcome}}"))).
		WithPanel(series("Handling time (working days)", "From assignment to decision, over the last 7 days.", "short", false,
			query("histogram_quantile(0.5, sum by (le) (increase(tuijin_ledger_item_handling_working_days_bucket{"+dept+"}[7d])))", "p50"),
			query("histogram_quantile(0.9, sum by (le) (increase(tuijin_ledger_item_handling_working_days_bucket{"+dept+"}[7d])))", "p90")))

	b = b.WithRow(dashboard.NewRowBuilder("消息 Event bus and notifications")).
		WithPanel(series("Consumer lag", "Events not yet handled, per durable consumer.", "short", false,
			query("max by (consumer) (tuijin_bus_consumer_pending_messages)", "{{consumer}}"))).
		WithPanel(series("Dead letters per hour", "Events no retry could apply (tuijin.dlq.<consumer> in TUIJIN_DLQ).", "short", false,
			query("sum by (consumer, reason) (increase(tuijin_bus_dead_letters_total[1h]))", "{{consumer}} {{reason}}"))).
		WithPanel(series("Notifications", "Deliveries per minute by channel, failed attempts and dead deliveries.", "short", false,
			query("sum by (channel) (rate(tuijin_notification_delivered_total[$__rate_interval])) * 60", "{{channel}} sent"),
			query("sum by (channel) (rate(tuijin_notification_send_failures_total[$__rate_interval])) * 60", "{{channel}} failed"),
			query("sum by (channel) (increase(tuijin_notification_dead_letters_total[1h]))", "{{channel}} dead (per hour)"))).
		WithPanel(series("Deliveries waiting", "Queued notification deliveries (retries and digests).", "short", false,
			query("max(tuijin_notification_pending_deliveries)", "queued"))).
		WithPanel(health("Overdue gauge recount",
			"The overdue gauges are recounted from the database at every scrape; 0: the last recount failed and they are stale.",
			query("min(tuijin_deadline_level_count_up)", "deadline levels counted"))).
		WithPanel(alarm("Pending gauge recount failures",
			"Scrapes in the last hour where the ledger could not recount the pending items.",
			query("sum(increase(tuijin_ledger_pending_recount_errors_total[1h]))", "failures (1h)")))

	b = b.WithRow(dashboard.NewRowBuilder("HTTP APIs")).
		WithPanel(series("Requests by status", "Requests per second over every service, by status code.", "reqps", true,
			query("sum by (code) (rate(tuijin_http_requests_total[$__rate_interval]))", "{{code}}"))).
		WithPanel(series("Latency p99 by route", "", "s", false,
			query("histogram_quantile(0.99, sum by (le, route) (rate(tuijin_http_request_duration_seconds_bucket[$__rate_interval])))", "{{route}}")))

	d, err := b.Build()
	if err != nil {
		return d, err
	}
	// Grafana wants ids unique within the dashboard; number them in order.
	for i, p := range d.Panels {
		id := uint32(i + 1)
		switch {
		case p.Panel != nil:
			p.Panel.Id = &id
		case p.RowPanel != nil:
			p.RowPanel.Id = id
		}
	}
	return d, nil
}

// JSON is the dashboard as Grafana imports it.
func JSON() ([]byte, error) {
	d, err := Operations()
	if err != nil {
		return nil, fmt.Errorf("build dashboard: %w", err)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode dashboard: %w", err)
	}
	return append(out, '\n'), nil
}

// Queries lists the PromQL expression of every panel target. (The
// department variable's label_values() is Grafana's, not PromQL.)
func Queries(d dashboard.Dashboard) []string {
	var out []string
	for _, p := range d.Panels {
		if p.Panel == nil {
			continue
		}
		for _, t := range p.Panel.Targets {
			// Built targets are values; decoded ones pointers.
			switch q := t.(type) {
			case prometheus.Dataquery:
				out = append(out, q.Expr)
			case *prometheus.Dataquery:
				out = append(out, q.Expr)
			}
		}
	}
	return out
}

func query(expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().Expr(expr).LegendFormat(legend).Range()
}

func series(title, description, unit string, stacked bool, qs ...*prometheus.DataqueryBuilder) *timeseries.PanelBuilder {
	p := timeseries.NewPanelBuilder().Title(title).Description(description).Datasource(datasource).
		Unit(unit).Min(0).Height(8).Span(12).FillOpacity(10).
		Legend(common.NewVizLegendOptionsBuilder().DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementBottom).ShowLegend(true).Calcs([]string{"lastNotNull", "max"}))
	if stacked {
		p = p.Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal))
	}
	return p.Targets(targets(qs))
}

// targets builds the queries of a panel with their refIds A, B, …
func targets(qs []*prometheus.DataqueryBuilder) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], len(qs))
	for i, q := range qs {
		out[i] = q.RefId(string(rune('A' + i)))
	}
	return out
}

func bars(title, unit string, q *prometheus.DataqueryBuilder) *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().Title(title).Datasource(datasource).Unit(unit).Min(0).Height(8).Span(6).
		Orientation(common.VizOrientationHorizontal).DisplayMode(common.BarGaugeDisplayModeGradient).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		Targets(targets([]*prometheus.DataqueryBuilder{q}))
}

// health is a stat panel that is red below one: a check that must hold.
func health(title, description string, qs ...*prometheus.DataqueryBuilder) *stat.PanelBuilder {
	return status(title, description, "red", "green", qs)
}

// alarm is a stat panel that is red from one on: a count that must stay
// at zero.
func alarm(title, description string, qs ...*prometheus.DataqueryBuilder) *stat.PanelBuilder {
	return status(title, description, "green", "red", qs)
}

func status(title, description, below, from string, qs []*prometheus.DataqueryBuilder) *stat.PanelBuilder {
	p := stat.NewPanelBuilder().Title(title).Description(description).Datasource(datasource).Height(6).Span(6).
		ColorMode(common.BigValueColorModeBackground).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"})).
		Thresholds(dashboard.NewThresholdsConfigBuilder().Mode(dashboard.ThresholdsModeAbsolute).
			Steps([]dashboard.Threshold{{Value: nil, Color: below}, {Value: cog.ToPtr(1.0), Color: from}}))
	return p.Targets(targets(qs))
}
