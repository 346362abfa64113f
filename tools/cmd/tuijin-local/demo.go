package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// demoProjects are registered on first start so the ledger, the queues and
// the inboxes have something to show. A second start finds them registered.
var demoProjects = []map[string]any{
	{
		"code": "2026-370481-04-01-100001", "name": "智能装备产业园一期", "category": "招商引资", "level": "市",
		"owner_organisation": "示范智能装备有限公司", "owner_contact": "王经理", "owner_phone": "0535-1234567",
		"location": "经济开发区", "investment_wan": 120000, "stage": "approving", "officer": "王芳",
		"work_group": "duban", "green_channel": true,
	},
	{
		"code": "2026-370481-48-01-100002", "name": "城区雨污分流改造工程", "category": "城市建设", "level": "县",
		"owner_organisation": "城市建设投资集团", "owner_contact": "赵工", "location": "主城区",
		"investment_wan": 36000, "stage": "approving", "officer": "陈静", "work_group": "zhujian",
	},
}

func loadDemo(ctx context.Context, intakeURL, token string, log *slog.Logger) error {
	// Longer than the services' handler deadline and write timeout (40 s):
	// a slow start answers 503, which says more than a client timeout.
	client := &http.Client{Timeout: 45 * time.Second}
	for _, p := range demoProjects {
		body, _ := json.Marshal(p)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, intakeURL+"/v1/projects", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("demo project %s: %w", p["code"], err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusCreated:
			log.Info("demo project registered", "code", p["code"], "name", p["name"])
		case http.StatusOK, http.StatusConflict:
			// Registered by an earlier run (200: the same project again).
		default:
			return fmt.Errorf("demo project %s: status %d", p["code"], resp.StatusCode)
		}
	}
	return nil
}
