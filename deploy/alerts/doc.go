// Package alerts holds Tuijin's Prometheus alerting rules
// (tuijin-rules.yaml) and their promtool unit tests (tests/). Its Go tests
// build promtool from the module proxy, run `promtool check rules` and
// `promtool test rules`, check that every metric a rule reads is exported
// by a service, and keep k8s/monitoring's PrometheusRule equal to the rules.
// Promtool builds the promtool they use, for the e2e metrics lint too.
package alerts
