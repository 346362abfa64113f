package main

import (
	"encoding/base64"
	"strings"
)

func decodeBase64Lines(b []byte) (string, error) {
	out, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
	return string(out), err
}
