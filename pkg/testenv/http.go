package testenv

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/tuijin/tuijin/pkg/auth"
)

// JSONType is the content type of every JSON answer of the contract.
const JSONType = "application/json; charset=utf-8"

// CallJSON sends body (nil for none) with contentType (none if empty) and
// decodes the answer, which must be JSON, into into; it returns the status.
func CallJSON(t testing.TB, method, url, contentType string, body io.Reader, into any) int {
	t.Helper()
	return CallToken(t, "", method, url, contentType, body, into)
}

// CallAs is CallJSON with a bearer token for p.
func CallAs(t testing.TB, p auth.Principal, method, url, contentType string, body io.Reader, into any) int {
	t.Helper()
	return CallToken(t, Token(t, p), method, url, contentType, body, into)
}

// CallToken is CallJSON with a bearer token (none if empty), e.g. one a
// real issuer signed.
func CallToken(t testing.TB, token, method, url, contentType string, body io.Reader, into any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != JSONType {
		t.Fatalf("%s %s: content type %q", method, url, ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode
}

// Send sends body (nil for none) with contentType (none if empty) and a
// bearer token (none if empty), and returns the answer, its body read and
// closed, and that body whatever its type.
func Send(t testing.TB, token, method, url, contentType string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}
