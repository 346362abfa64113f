package transport

import (
	"github.com/tuijin/tuijin/pkg/auth"
)

// The roles that may call each route (pkg/auth/ACCESS.md, ledger). The use
// cases narrow them to the caller's scope once the entity is loaded: a
// clerk acts on their department's items, an owner and an officer reach
// their own projects (see package ledger, access.go).
var (
	signedIn         = auth.Roles
	projectReaders   = []auth.Role{auth.Owner, auth.Officer, auth.Clerk, auth.Leader, auth.Supervisor, auth.Secretary}
	queueReaders     = []auth.Role{auth.Clerk, auth.Leader, auth.Officer, auth.Supervisor, auth.Secretary}
	itemActors       = []auth.Role{auth.Clerk, auth.Leader}
	problemRaisers   = []auth.Role{auth.Owner, auth.Officer, auth.Supervisor}
	problemUpdaters  = []auth.Role{auth.Officer, auth.Clerk, auth.Leader, auth.Supervisor}
	progressUpdaters = []auth.Role{auth.Officer, auth.Supervisor}
	taskReaders      = []auth.Role{auth.Officer, auth.Supervisor}
	taskActors       = []auth.Role{auth.Officer}
	officerAssigners = []auth.Role{auth.Supervisor}
	reportReaders    = []auth.Role{auth.Officer, auth.Leader, auth.Supervisor}
	briefingReaders  = []auth.Role{auth.Leader, auth.Supervisor, auth.Officer}
)
