package bus

import (
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/tuijin/tuijin/pkg/event"
)

// The permission table: which NATS subjects each Tuijin user may publish
// and subscribe to. It is the one source the embedded server (pkg/embedded),
// the tests (pkg/testenv, e2e) and the production config (AuthorizationConf,
// rendered into k8s/base/nats.yaml) are built from. Every test that starts a
// service runs it under its row, so a service that publishes or consumes
// beyond it fails there.
//
// A service publishes its own events, its dead letters and the JetStream
// API requests of its own durable consumers; a department pulls from the
// one durable operations created for it. Nobody but operations may update
// or delete a stream or a consumer.

// OperationsUser is the user that provisions streams and department
// consumers; it has no restrictions. Services never use it.
const OperationsUser = "operations"

// Service users, named like the services.
const (
	UserIntake       = "intake"
	UserLedger       = "ledger"
	UserDeadline     = "deadline"
	UserMeeting      = "coordination-meeting"
	UserNotification = "notification"
)

// Permissions are the subjects a user may publish to and subscribe to
// (allow lists: everything else is denied).
type Permissions struct {
	Publish   []string
	Subscribe []string
}

// Consumer is a durable consumer a service runs, as its ConsumerSpec names
// it. With exactly one filter subject the service may create the consumer
// with that filter only (the server checks the filter in the request
// against the one in the API subject).
type Consumer struct {
	Stream  string
	Durable string
	Filters []string
}

// Grant is one service's row of the table.
type Grant struct {
	User      string
	Publishes []string   // subjects of the events and timers it produces
	Consumers []Consumer // the durables it runs (each with a dead-letter mover)
	API       []string   // JetStream API beyond its consumers
}

func events(durable string, filters ...string) Consumer {
	return Consumer{Stream: EventsStream, Durable: durable, Filters: filters}
}

// Grants is the table of the five services.
func Grants() []Grant {
	return []Grant{
		{
			User:      UserIntake,
			Publishes: []string{"tuijin.intake.>"},
			Consumers: []Consumer{
				events("intake-task-changed", event.TypeTaskChanged),
				events("intake-project-changed", event.TypeProjectChanged),
			},
		},
		{
			User:      UserLedger,
			Publishes: []string{"tuijin.ledger.>"},
			Consumers: []Consumer{
				events("ledger-project-registered", event.TypeProjectRegistered),
				events("ledger-request-received", event.TypeRequestReceived),
				events("ledger-meeting-decided", event.TypeMeetingDecided),
				events("ledger-deadline-recomputed", event.AllDepartments(event.TypeDeadlineRecomputed)),
				events("ledger-supplement-missed", event.AllDepartments(event.TypeSupplementMissed)),
			},
			// The departments' durables are read (info only) to export
			// their lag (DepartmentLag); a consumer's name is one token,
			// and department durables share no token to narrow by.
			API: []string{"$JS.API.CONSUMER.INFO." + EventsStream + ".*"},
		},
		{
			User:      UserDeadline,
			Publishes: []string{"tuijin.deadline.>", TimerSchedulePrefix + ">"},
			Consumers: []Consumer{
				events("deadline-item-assigned", event.AllDepartments(event.TypeItemAssigned)),
				events("deadline-item-changed", event.AllDepartments(event.TypeItemChanged)),
				events("deadline-problem-raised", event.AllDepartments(event.TypeProblemRaised)),
				events("deadline-problem-changed", event.AllDepartments(event.TypeProblemChanged)),
				events("deadline-action-created", event.AllDepartments(event.TypeActionCreated)),
				events("deadline-action-changed", event.AllDepartments(event.TypeActionChanged)),
				{Stream: TimersStream, Durable: "deadline-timer-fired", Filters: []string{TimerFiredSubject}},
			},
			// Cancelling a timer purges its schedule subject; listing the
			// pending ones reads the stream's subjects; fired timers are
			// checked against the versions register, which writers advance
			// (creating its bucket reads the account's info first).
			API: []string{"$JS.API.INFO", "$JS.API.STREAM.PURGE." + TimersStream, "$JS.API.STREAM.INFO." + TimersStream,
				"$KV." + VersionsBucket + ".>", "$JS.API.STREAM.INFO.KV_" + VersionsBucket, "$JS.API.STREAM.CREATE.KV_" + VersionsBucket,
				"$JS.API.DIRECT.GET.KV_" + VersionsBucket + ".>"},
		},
		{
			User:      UserMeeting,
			Publishes: []string{"tuijin.meeting.>"},
			Consumers: []Consumer{
				events("coordination-meeting-deadline", event.AllDepartments(event.TypeDeadlineEscalated), event.AllDepartments(event.TypeDeadlineOverdue)),
				events("coordination-meeting-problems", event.AllDepartments(event.TypeProblemRaised), event.AllDepartments(event.TypeProblemChanged)),
			},
		},
		{
			User: UserNotification,
			// Notification produces messages for people, no events.
			Consumers: []Consumer{
				events("notification-item-assigned", event.AllDepartments(event.TypeItemAssigned)),
				events("notification-item-changed", event.AllDepartments(event.TypeItemChanged)),
				events("notification-project-registered", event.TypeProjectRegistered),
				events("notification-task-changed", event.TypeTaskChanged),
				events("notification-request-received", event.TypeRequestReceived),
				events("notification-deadline", event.AllDepartments(event.TypeDeadlineWarning),
					event.AllDepartments(event.TypeDeadlineOverdue), event.AllDepartments(event.TypeDeadlineEscalated)),
				events("notification-meeting-scheduled", event.TypeMeetingScheduled),
				events("notification-action-created", event.AllDepartments(event.TypeActionCreated)),
				events("notification-action-changed", event.AllDepartments(event.TypeActionChanged)),
				events("notification-supplement", event.AllSupplementEvents),
				events("notification-check", event.AllCheckEvents),
				events("notification-briefing-published", event.TypeBriefingPublished),
			},
		},
	}
}

// ServiceUsers are the users of the five services, in table order.
func ServiceUsers() []string {
	var us []string
	for _, g := range Grants() {
		us = append(us, g.User)
	}
	return us
}

// ServicePermissions is the row of user's service in the table.
func ServicePermissions(user string) (Permissions, error) {
	i := slices.IndexFunc(Grants(), func(g Grant) bool { return g.User == user })
	if i < 0 {
		return Permissions{}, fmt.Errorf("no NATS permissions for service %q", user)
	}
	return Grants()[i].permissions(), nil
}

func (g Grant) permissions() Permissions {
	var pub []string
	pub = append(pub, g.Publishes...)
	// Every service creates the streams it finds missing at start, so any
	// start order works on a fresh cluster; updating one is operations'.
	for _, st := range StreamConfigs(1) {
		pub = append(pub, "$JS.API.STREAM.CREATE."+st.Name)
	}
	for _, c := range g.Consumers {
		pub = append(pub, consumerAPI(c.Stream, c.Durable, c.Filters)...)
		// Its dead-letter mover: the advisory of the consumer, the
		// original message and the copy on the dead-letter stream.
		pub = append(pub, consumerAPI(AdvisoryStream, c.Durable+"-dead-letter",
			[]string{maxDeliveriesAdvisory + c.Stream + "." + c.Durable})...)
		pub = append(pub, "$JS.API.STREAM.INFO."+c.Stream, "$JS.API.STREAM.MSG.GET."+c.Stream,
			DeadLetterPrefix+c.Durable)
	}
	pub = append(pub, g.API...)
	slices.Sort(pub)
	return Permissions{Publish: slices.Compact(pub), Subscribe: []string{InboxPrefix(g.User) + ".>"}}
}

// consumerAPI is what creating, reading and pulling from one durable needs.
func consumerAPI(stream, durable string, filters []string) []string {
	create := "$JS.API.CONSUMER.CREATE." + stream + "." + durable
	if len(filters) == 1 {
		create += "." + filters[0]
	}
	return append([]string{create}, pullAPI(stream, durable)...)
}

// pullAPI is what pulling from an existing durable needs: its info, the
// next messages, and acks (the second form is the ack subject of servers
// that add a domain and an account hash).
func pullAPI(stream, durable string) []string {
	return []string{
		"$JS.API.CONSUMER.INFO." + stream + "." + durable,
		"$JS.API.CONSUMER.MSG.NEXT." + stream + "." + durable,
		"$JS.ACK." + stream + "." + durable + ".>",
		"$JS.ACK.*.*." + stream + "." + durable + ".>",
	}
}

// InboxPrefix is user's own inbox prefix: replies (publish acks, pulled
// messages) reach each user under a prefix only it may subscribe to, so no
// user reads another's deliveries from _INBOX.>.
func InboxPrefix(user string) string { return "_INBOX." + user }

// DepartmentUser is the NATS user of a department's own system.
func DepartmentUser(dept string) string { return "dept-" + dept }

// DepartmentDurable is the durable consumer a department pulls its
// assignments from.
func DepartmentDurable(dept string) string { return "dept-" + dept }

// DepartmentPermissions allow pulling from the department's durable and
// nothing else: it cannot publish any event, create a consumer (and so
// choose another filter) nor read another department's subject.
func DepartmentPermissions(dept string) Permissions {
	return Permissions{
		Publish:   pullAPI(EventsStream, DepartmentDurable(dept)),
		Subscribe: []string{InboxPrefix(DepartmentUser(dept)) + ".>"},
	}
}

// DepartmentConsumer is the durable consumer of dept's assignments,
// created by operations (EnsureDepartmentConsumers).
func DepartmentConsumer(dept string) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       DepartmentDurable(dept),
		Description:   "assignments of department " + dept + ", pulled by its own system",
		FilterSubject: event.ForDepartment(event.TypeItemAssigned, dept),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
}
