package deadline

import (
	"context"
	"strconv"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/tuijin/tuijin/pkg/domain/workday"
	"github.com/tuijin/tuijin/pkg/event"
	deadlinev1 "github.com/tuijin/tuijin/pkg/gen/tuijin/deadline/v1"
)

// Producer names the deadline service in event envelopes.
const Producer = "deadline"

// eventIDSpace makes event ids of ladder steps deterministic: the same step
// of the same deadline always has the same id, so a republish after a crash
// (or by a replica whose lease ran out) is dropped by the stream's duplicate
// window instead of reaching consumers twice.
var eventIDSpace = uuid.MustParse("6f1d3c2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f")

// StepEventID is the event id of step l of round round of deadline id.
func StepEventID(id string, round int, l Level) string {
	return uuid.NewSHA1(eventIDSpace, []byte(id+"|"+strconv.Itoa(round)+"|"+string(l))).String()
}

var protoLevels = map[Level]deadlinev1.Level{
	LevelYellow: deadlinev1.Level_LEVEL_YELLOW, LevelRed: deadlinev1.Level_LEVEL_RED,
	LevelUrge: deadlinev1.Level_LEVEL_URGE, LevelSupervise: deadlinev1.Level_LEVEL_SUPERVISE,
	LevelInterview: deadlinev1.Level_LEVEL_INTERVIEW, LevelEscalate: deadlinev1.Level_LEVEL_ESCALATE,
}

// ProtoLevel is l in the events' enum, false for green or an unknown level.
func ProtoLevel(l Level) (deadlinev1.Level, bool) {
	p, ok := protoLevels[l]
	return p, ok
}

// LevelOfProto is the level of p, false for an unspecified or unknown one.
func LevelOfProto(p deadlinev1.Level) (Level, bool) {
	for l, x := range protoLevels {
		if x == p {
			return l, true
		}
	}
	return "", false
}

// EventType is the type of the event step l emits: warning for yellow,
// overdue for red, escalated for every rung above.
func EventType(l Level) string {
	switch l {
	case LevelYellow:
		return event.TypeDeadlineWarning
	case LevelRed:
		return event.TypeDeadlineOverdue
	}
	return event.TypeDeadlineEscalated
}

// StepEvent builds the event of step s of d, fired at now.
func StepEvent(ctx context.Context, cal workday.Calendar, d Deadline, s Step, now time.Time) (event.Message, error) {
	payload := &deadlinev1.DeadlineEvent{
		TimerId: d.ID, Kind: d.Kind, RefId: d.RefID, ProjectCode: d.ProjectCode, Department: d.Department,
		Level: protoLevels[s.Level], DueAt: timestamppb.New(d.DueAt), FiredAt: timestamppb.New(now),
		StepDueAt: timestamppb.New(s.At), Title: d.Title, ProjectName: d.ProjectName,
		OverdueWorkingDays: int32(d.OverdueDays(cal, s.At)), DueDate: d.DueDate, Provisional: d.Provisional,
	}
	env, err := event.New(StepEventType(d.Kind, s.Level), Producer, event.Ref("deadline", d.ID), now, payload)
	if err != nil {
		return event.Message{}, err
	}
	env.Id = StepEventID(d.ID, d.Round, s.Level)
	return event.Encode(ctx, event.ForDepartment(env.GetType(), d.Department), env)
}
