package transport

import (
	"context"

	"github.com/tuijin/tuijin/services/ledger/internal/ledger"
)

// UseCases are the ledger's use cases as the routes and consumers take
// them: the domain's *ledger.Service, or it decorated (Instrument).
type UseCases struct {
	Items     ledger.Items
	Problems  ledger.Problems
	Tasks     ledger.Tasks
	Reports   ledger.Reports
	Briefings ledger.Briefings
	Forecasts ledger.Forecasts
}

// UseCasesOf is every use case of svc, undecorated.
func UseCasesOf(svc *ledger.Service) UseCases {
	return UseCases{Items: svc, Problems: svc, Tasks: svc, Reports: svc, Briefings: svc, Forecasts: svc}
}

// Instrument counts, on m, what the use cases of uc saved: the items they
// assigned and the items they decided. Only the writes that assign or
// decide are decorated; a refused or failed write counts nothing.
func Instrument(uc UseCases, m *Metrics) UseCases {
	uc.Items = instrumentingItems{Items: uc.Items, m: m}
	uc.Tasks = instrumentingTasks{next: uc.Tasks, m: m}
	return uc
}

type instrumentingItems struct {
	ledger.Items
	m *Metrics
}

func (s instrumentingItems) OpenLedger(ctx context.Context, info ledger.ProjectInfo) ([]ledger.Item, error) {
	assigned, err := s.Items.OpenLedger(ctx, info)
	s.m.assigned(assigned)
	return assigned, err
}

func (s instrumentingItems) Act(ctx context.Context, itemID string, req ledger.ActionRequest) (ledger.ActionResult, error) {
	res, err := s.Items.Act(ctx, itemID, req)
	if err != nil {
		return res, err
	}
	s.m.assigned(res.Assigned)
	if res.Completed {
		s.m.completed(res.Item.Department, res.Item.Status, res.HandlingDays)
	}
	return res, nil
}

// instrumentingTasks names its field: embedded, ledger.Tasks would hide its
// own Tasks method.
type instrumentingTasks struct {
	next ledger.Tasks
	m    *Metrics
}

func (s instrumentingTasks) UpdateProgress(ctx context.Context, code string, u ledger.ProgressUpdate) (ledger.ProgressResult, error) {
	res, err := s.next.UpdateProgress(ctx, code, u)
	if err != nil {
		return res, err
	}
	s.m.assigned(res.Assigned)
	return res, nil
}

func (s instrumentingTasks) AssignOfficer(ctx context.Context, code string, a ledger.OfficerAssignment) (ledger.OfficerResult, error) {
	return s.next.AssignOfficer(ctx, code, a)
}

func (s instrumentingTasks) FileRequest(ctx context.Context, code string, n ledger.NewTask) error {
	return s.next.FileRequest(ctx, code, n)
}

func (s instrumentingTasks) ActOnTask(ctx context.Context, code, id string, a ledger.TaskAction) (ledger.TaskResult, error) {
	return s.next.ActOnTask(ctx, code, id, a)
}

func (s instrumentingTasks) Tasks(ctx context.Context, officer, status string) ([]ledger.TaskView, error) {
	return s.next.Tasks(ctx, officer, status)
}
