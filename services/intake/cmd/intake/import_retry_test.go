package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tuijin/tuijin/pkg/testenv"
	"github.com/tuijin/tuijin/services/intake/internal/intake"
)

// TestImportRetryGetsTheFirstAnswer: an import sent again with its
// Idempotency-Key (its answer lost) answers what the first did, marked as a
// replay; the same key with another file is refused; without a key the
// second import reports the projects as existing.
func TestImportRetryGetsTheFirstAnswer(t *testing.T) {
	natsURL, _ := testenv.JetStream(t)
	base := start(t, "--nats-url="+natsURL, "--mongo-uri="+testenv.MongoURI(t), "--mongo-database=intake_import_test")
	file := "项目代码,项目名称,项目类别,项目级别,建设单位,联系人,总投资（万元）\n" +
		"2026-370481-04-01-200001,智能装备产业园,招商引资,市,示范公司,王经理,120000\n" +
		"2026-370481-04-01-200002,雨污分流改造,城市建设,县,城投集团,赵工,9000\n"
	send := func(body, key string) (int, string, intake.ImportResult) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, base+"/v1/projects:import", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Authorization", "Bearer "+testenv.Token(t, testenv.Officer("wangfang")))
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(resp.Body)
		var res intake.ImportResult
		_ = json.Unmarshal(buf.Bytes(), &res)
		return resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), res
	}
	st, replayed, first := send(file, "import-2026-12")
	if st != 200 || replayed != "" || len(first.Created) != 2 {
		t.Fatalf("first import: %d %q %+v", st, replayed, first)
	}
	st, replayed, again := send(file, "import-2026-12")
	if st != 200 || replayed != "true" || strings.Join(again.Created, ",") != strings.Join(first.Created, ",") || len(again.Existing) != 0 {
		t.Fatalf("retry: %d %q %+v; want 200, replayed, %+v", st, replayed, again, first)
	}
	other := file + "2026-370481-04-01-200003,新建学校,政府投资,县,教育局,钱老师,5000\n"
	if st, _, _ := send(other, "import-2026-12"); st != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other file: %d, want 422", st)
	}
	if st, replayed, res := send(file, ""); st != 200 || replayed != "" || len(res.Existing) != 2 || len(res.Created) != 0 {
		t.Fatalf("without a key: %d %q %+v; want both existing", st, replayed, res)
	}
}
