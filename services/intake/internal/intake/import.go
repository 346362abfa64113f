package intake

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tuijin/tuijin/pkg/apperr"
	"github.com/tuijin/tuijin/pkg/auth"
)

// MaxImportRows bounds one import: a county's key-project list is a few
// hundred rows; a city's stays well under this.
const MaxImportRows = 5000

// ImportRow is one project read from an import file. Row is the line the
// clerk sees in the spreadsheet (the header is row 1), so errors point there.
type ImportRow struct {
	Row     int
	Project Project
	// Problem is a cell the reader could not turn into a value (a number
	// that is not one); it is reported like a validation error.
	Problem *apperr.Error
}

// ImportKey is an import's Idempotency-Key and the fingerprint of its
// file, to tell a retry from a reuse of the key for another file.
type ImportKey struct {
	Key         string
	Fingerprint string
}

// StoredImport is the result of an import kept under its key.
type StoredImport struct {
	ImportKey
	Result ImportResult
}

// ImportResult tells which codes were registered and which were already.
type ImportResult struct {
	Created  []string `json:"created"`
	Existing []string `json:"existing"`
}

// ImportProjects registers every row of an import. All rows are checked
// first and one bad row refuses the whole file, so a clerk fixes the sheet
// and sends it again; a project already registered is reported, not
// refused, so sending the same file twice is harmless, and so is sending it
// again after an interruption.
func (s *Service) ImportProjects(ctx context.Context, rows []ImportRow, key ImportKey) (ImportResult, bool, error) {
	who, err := auth.Caller(ctx)
	if err != nil {
		return ImportResult{}, false, err
	}
	key.Key = strings.TrimSpace(key.Key)
	if len(key.Key) > MaxIdempotencyKey {
		return ImportResult{}, false, apperr.Invalid("Idempotency-Key", "invalid_idempotency_key", "Idempotency-Key is longer than 200 characters")
	}
	if key.Key != "" {
		// A key is its caller's: another's import under the same key is
		// neither replayed to them nor in their way.
		key.Key = who.Subject + "\x00" + key.Key
	}
	if key.Key != "" {
		if res, ok, err := s.replayImport(ctx, key); ok || err != nil {
			return res, ok, err
		}
	}
	res, err := s.importRows(ctx, rows)
	if err != nil || key.Key == "" {
		return res, false, err
	}
	err = s.projects.SaveImport(ctx, StoredImport{ImportKey: key, Result: res})
	if errors.Is(err, ErrDuplicate) {
		// A concurrent retry saved first: answer as it did.
		return s.replayImport(ctx, key)
	}
	return res, false, err
}

// replayImport is the first result of an import with key, if there was one.
func (s *Service) replayImport(ctx context.Context, key ImportKey) (ImportResult, bool, error) {
	prev, err := s.projects.Import(ctx, key.Key)
	switch {
	case errors.Is(err, ErrNotFound):
		return ImportResult{}, false, nil
	case err != nil:
		return ImportResult{}, false, fmt.Errorf("import %s: %w", key.Key, err)
	case prev.Fingerprint != key.Fingerprint:
		return ImportResult{}, false, apperr.Invalid("Idempotency-Key", "idempotency_key_reused",
			"this Idempotency-Key was already used for a different file")
	}
	return prev.Result, true, nil
}

func (s *Service) importRows(ctx context.Context, rows []ImportRow) (ImportResult, error) {
	if len(rows) == 0 {
		return ImportResult{}, apperr.Invalid("file", "empty", "the file has no project rows")
	}
	if len(rows) > MaxImportRows {
		return ImportResult{}, apperr.Invalid("file", "too_many_rows",
			fmt.Sprintf("the file has %d rows; import at most %d at a time", len(rows), MaxImportRows))
	}
	var problems []string
	var first *apperr.Error
	seen := make(map[string]int, len(rows))
	for i := range rows {
		r := &rows[i]
		r.Project.Normalize()
		err := r.Problem
		if err == nil {
			if e, ok := apperr.As(r.Project.Validate()); ok {
				err = e
			} else if e, ok := apperr.As(s.ref.Resolve(&r.Project)); ok {
				err = e
			}
		}
		if err == nil {
			if prev, dup := seen[r.Project.Code]; dup {
				err = apperr.Invalid("code", "duplicate_row", fmt.Sprintf("project %s is also on row %d", r.Project.Code, prev))
			}
			seen[r.Project.Code] = r.Row
		}
		if err != nil {
			if first == nil {
				first = err
			}
			problems = append(problems, fmt.Sprintf("row %d, %s: %s", r.Row, err.Field, err.Message))
		}
	}
	if first != nil {
		msg := strings.Join(problems[:min(len(problems), 20)], "; ")
		if len(problems) > 20 {
			msg += fmt.Sprintf("; and %d more", len(problems)-20)
		}
		return ImportResult{}, apperr.Invalid(first.Field, "invalid_rows",
			fmt.Sprintf("%d of %d rows are invalid, nothing was imported: %s", len(problems), len(rows), msg))
	}

	res := ImportResult{Created: []string{}, Existing: []string{}}
	for _, r := range rows {
		_, replayed, err := s.RegisterProject(ctx, r.Project)
		var e *apperr.Error
		switch {
		case err == nil && replayed:
			res.Existing = append(res.Existing, r.Project.Code)
		case err == nil:
			res.Created = append(res.Created, r.Project.Code)
		case errors.As(err, &e) && e.Kind == apperr.KindConflict:
			res.Existing = append(res.Existing, r.Project.Code)
		default:
			return res, fmt.Errorf("import row %d: %w", r.Row, err)
		}
	}
	return res, nil
}
