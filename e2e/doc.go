// Package e2e runs the built services as separate processes against real
// NATS JetStream and FerretDB and checks the system from the outside: over
// HTTP, on the stream and in the databases.
package e2e
