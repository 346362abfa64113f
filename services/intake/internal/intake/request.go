package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/tuijin/tuijin/pkg/apperr"
)

// Request is a service request (服务诉求) from a project owner.
type Request struct {
	ID          string    `json:"id"`
	ProjectCode string    `json:"project_code"`
	Kind        string    `json:"kind"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Contact     string    `json:"contact"`
	Phone       string    `json:"phone,omitempty"`
	Status      string    `json:"status"`
	ReceivedAt  time.Time `json:"received_at"`
	// Steps are what the officer did with it, oldest first, as the ledger
	// reported them: 承接, 办理, 办结, 回访.
	Steps []RequestStep `json:"steps"`
	// Satisfaction is the owner's rating (1–5) at the follow-up visit.
	Satisfaction int `json:"satisfaction,omitempty"`
	// Rating is the owner's own rating, once the request is closed.
	Rating *Rating `json:"rating,omitempty"`
	// Fingerprint identifies the content, to tell a retry from a reuse of
	// the same Idempotency-Key for something else.
	Fingerprint string `json:"-"`
}

// RequestKinds: consultation (咨询), agency (帮办代办), problem (问题反映),
// coordination (协调), other.
var RequestKinds = []string{"consultation", "agency", "problem", "coordination", "other"}

// StatusReceived is the status of a request just taken in.
const StatusReceived = "received"

// Normalize trims the text fields.
func (r *Request) Normalize() {
	for _, f := range []*string{&r.ProjectCode, &r.Kind, &r.Title, &r.Description, &r.Contact, &r.Phone} {
		*f = strings.TrimSpace(*f)
	}
	r.Phone = normalPhone(r.Phone)
}

// Validate reports the first rule r breaks (the project's existence is
// checked by the service, which can look it up).
func (r Request) Validate() error {
	if r.ProjectCode == "" {
		return apperr.Invalid("project_code", "required", "project_code is required")
	}
	if !CodeRE.MatchString(r.ProjectCode) {
		return apperr.Invalid("project_code", "invalid_code", "project_code must look like 2024-370481-04-01-123456")
	}
	if !slices.Contains(RequestKinds, r.Kind) {
		return apperr.Invalid("kind", "invalid_kind", "kind must be one of "+strings.Join(RequestKinds, ", "))
	}
	if err := requireText("title", r.Title, 100); err != nil {
		return err
	}
	if len([]rune(r.Description)) > 2000 {
		return apperr.Invalid("description", "too_long", "description is longer than 2000 characters")
	}
	if err := requireText("contact", r.Contact, 50); err != nil {
		return err
	}
	if err := checkPhone("phone", r.Phone); err != nil {
		return err
	}
	return nil
}

// ContentFingerprint hashes what the owner asked, not when.
func (r Request) ContentFingerprint() string {
	b, _ := json.Marshal([]string{r.ProjectCode, r.Kind, r.Title, r.Description, r.Contact, r.Phone})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
