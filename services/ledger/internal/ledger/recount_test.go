package ledger

import (
	"testing"
	"time"
)

func TestRecountDue(t *testing.T) {
	p := demoProject(t)
	it := p.Items[0]
	if !it.Status.Pending() || it.Due == nil {
		t.Fatalf("first item %+v is not pending with a due date", it)
	}
	newDue := it.Due.AddDate(0, 0, 1)
	at := time.Date(2026, 12, 20, 2, 0, 0, 0, time.UTC)
	v := p.Version
	if !p.RecountDue(DueRecount{ItemID: it.ID, Due: newDue, Note: "2027年节假日安排公布，到期日重新计算", At: at}) {
		t.Fatal("a pending item's recount changed nothing")
	}
	got := p.Items[0]
	last := got.Timeline[len(got.Timeline)-1]
	if !got.Due.Equal(newDue) || p.Version != v+1 || last.Action != "recount" || last.Note == "" || !last.At.Equal(at) {
		t.Fatalf("after the recount: due %v, version %d, last entry %+v", got.Due, p.Version, last)
	}
	if p.RecountDue(DueRecount{ItemID: it.ID, Due: newDue, At: at}) || p.Version != v+1 {
		t.Error("the same recount again changed the ledger")
	}
	if p.RecountDue(DueRecount{ItemID: "nope", Due: newDue, At: at}) {
		t.Error("a recount of an unknown item changed the ledger")
	}
	setStatus(t, &p, it.ID[len(p.Code)+1:], StatusApproved)
	if p.RecountDue(DueRecount{ItemID: it.ID, Due: newDue.AddDate(0, 0, 1), At: at}) {
		t.Error("a decided item's due date moved")
	}
}
