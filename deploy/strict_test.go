package deploy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// object is one decoded manifest: its kind and its typed value.
type object struct {
	gvk       schema.GroupVersionKind
	name      string
	namespace string
	obj       any
}

// knownKinds maps each kind the manifests may contain to its k8s.io/api type.
// Anything else, a Secret above all, is rejected.
var knownKinds = map[schema.GroupVersionKind]func() any{
	{Group: "", Version: "v1", Kind: "ConfigMap"}:                 func() any { return &corev1.ConfigMap{} },
	{Group: "", Version: "v1", Kind: "Service"}:                   func() any { return &corev1.Service{} },
	{Group: "", Version: "v1", Kind: "Namespace"}:                 func() any { return &corev1.Namespace{} },
	{Group: "apps", Version: "v1", Kind: "Deployment"}:            func() any { return &appsv1.Deployment{} },
	{Group: "apps", Version: "v1", Kind: "StatefulSet"}:           func() any { return &appsv1.StatefulSet{} },
	{Group: "batch", Version: "v1", Kind: "Job"}:                  func() any { return &batchv1.Job{} },
	{Group: "policy", Version: "v1", Kind: "PodDisruptionBudget"}: func() any { return &policyv1.PodDisruptionBudget{} },
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler"}: func() any {
		return &autoscalingv2.HorizontalPodAutoscaler{}
	},
	{Group: "networking.k8s.io", Version: "v1", Kind: "NetworkPolicy"}: func() any { return &networkingv1.NetworkPolicy{} },
	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}:       func() any { return &networkingv1.Ingress{} },
}

// decodeStrict decodes a multi-document YAML stream into typed objects. A
// document of an unknown kind, with a field its type does not have (compared
// case-sensitively), with a duplicate field or with a value of the wrong type
// is an error.
func decodeStrict(data []byte) ([]object, error) {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []object
	for i := 0; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		js, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue // empty document or comments only
		}
		var tm metav1.TypeMeta
		if err := json.Unmarshal(js, &tm); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		gvk := schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind)
		newObj, ok := knownKinds[gvk]
		if !ok {
			return nil, fmt.Errorf("document %d: unexpected kind %q (apiVersion %q)", i, tm.Kind, tm.APIVersion)
		}
		obj := newObj()
		strictErrs, err := sigsjson.UnmarshalStrict(js, obj)
		if err != nil {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, err)
		}
		if len(strictErrs) > 0 {
			return nil, fmt.Errorf("document %d (%s): %w", i, tm.Kind, errors.Join(strictErrs...))
		}
		meta, ok := obj.(metav1.Object)
		if !ok {
			return nil, fmt.Errorf("document %d: %T has no object metadata", i, obj)
		}
		if meta.GetName() == "" {
			return nil, fmt.Errorf("document %d (%s): no metadata.name", i, tm.Kind)
		}
		objs = append(objs, object{gvk: gvk, name: meta.GetName(), namespace: meta.GetNamespace(), obj: obj})
	}
}

func TestStrictDecoderRejects(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  %s
  selector:
    matchLabels: {app: x}
  template:
    metadata:
      labels: {app: x}
    spec:
      containers:
        - name: x
          image: x
          %s
`
	cases := []struct {
		name, yaml, want string
	}{
		{"unknown field", fmt.Sprintf(deployment, "replicaz: 2", ""), `unknown field "spec.replicaz"`},
		{"field in the wrong case", fmt.Sprintf(deployment, "replicas: 2", "livenessProbe: {httpget: {path: /healthz, port: 8081}}"), "httpget"},
		{"duplicate field", fmt.Sprintf(deployment, "replicas: 2\n  replicas: 3", ""), "replicas"},
		{"wrong type", fmt.Sprintf(deployment, `replicas: "two"`, ""), "replicas"},
		{"unknown kind", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", `unexpected kind "Widget"`},
		{"secret", "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2}\n", `unexpected kind "Secret"`},
		{"second document", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndatta: {}\n", `unknown field "datta"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeStrict([]byte(c.yaml))
			if err == nil {
				t.Fatalf("decodeStrict accepted:\n%s", c.yaml)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}

	// The same Deployment without the mistake decodes.
	objs, err := decodeStrict([]byte(fmt.Sprintf(deployment, "replicas: 2", "livenessProbe: {httpGet: {path: /healthz, port: 8081}}")))
	if err != nil {
		t.Fatalf("valid Deployment rejected: %v", err)
	}
	if len(objs) != 1 || *objs[0].obj.(*appsv1.Deployment).Spec.Replicas != 2 {
		t.Fatalf("decoded %v", objs)
	}
}

// ---------------------------------------------------------------------------
// Kustomize

func (o object) String() string { return o.gvk.Kind + "/" + o.name }
