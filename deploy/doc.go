// Package deploy holds Tuijin's deployment files: the service Dockerfile, the
// Docker Compose stack and, in its tests, the offline checks of those files
// and of the Kubernetes manifests under ../k8s.
package deploy
