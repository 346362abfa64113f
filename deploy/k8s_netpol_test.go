package deploy

import (
	"fmt"
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// peer is one end of a flow: a pod of the stack (governed by its
// NetworkPolicies), a pod elsewhere in the cluster, or an address outside it.
type peer struct {
	name      string
	namespace string            // "" with addr: outside the cluster
	nsLabels  map[string]string // the namespace's labels
	labels    map[string]string
	ports     []corev1.ContainerPort // for named ports
	addr      netip.Addr             // outside the cluster
	governed  bool                   // a pod of the stack: its policies apply
}

// The model's namespace of the stack ("" in the base, which sets none).
func stackNamespace(s *stack) string {
	for _, o := range s.objs {
		if o.gvk.Kind == "Deployment" {
			return o.namespace
		}
	}
	return ""
}

func nsPeer(name, ns string, lbls map[string]string, ports ...corev1.ContainerPort) peer {
	return peer{name: name, namespace: ns, nsLabels: map[string]string{"kubernetes.io/metadata.name": ns}, labels: lbls, ports: ports}
}

// stackPeer is a pod of the workload named by owner (Deployment, StatefulSet or Job).
func stackPeer(t *testing.T, s *stack, owner string) peer {
	t.Helper()
	ns := stackNamespace(s)
	for _, p := range s.pods() {
		if p.owner == owner {
			var ports []corev1.ContainerPort
			for _, c := range p.template.Spec.Containers {
				ports = append(ports, c.Ports...)
			}
			pe := nsPeer(owner, ns, p.template.Labels, ports...)
			pe.governed = true
			return pe
		}
	}
	t.Fatalf("no workload %s", owner)
	return peer{}
}

// allowed reports whether the policies let src open a connection to dst's
// port: src's egress and dst's ingress must both allow it.
func allowed(s *stack, src, dst peer, proto corev1.Protocol, port int32) bool {
	ns := stackNamespace(s)
	return (!src.governed || direction(s, ns, src, dst, proto, port, networkingv1.PolicyTypeEgress)) &&
		(!dst.governed || direction(s, ns, dst, src, proto, port, networkingv1.PolicyTypeIngress))
}

// direction: of the policies selecting self for this direction, does one
// have a rule admitting other on proto/port (a port of dst's)? A pod no
// policy selects is not isolated.
func direction(s *stack, ns string, self, other peer, proto corev1.Protocol, port int32, dir networkingv1.PolicyType) bool {
	isolated := false
	dst := other
	if dir == networkingv1.PolicyTypeIngress {
		dst = self
	}
	for _, np := range s.netpols {
		if !matches(&np.Spec.PodSelector, self.labels) || !hasType(np, dir) {
			continue
		}
		isolated = true
		if dir == networkingv1.PolicyTypeIngress {
			for _, r := range np.Spec.Ingress {
				if peersMatch(r.From, ns, other) && portsMatch(r.Ports, dst, proto, port) {
					return true
				}
			}
		} else {
			for _, r := range np.Spec.Egress {
				if peersMatch(r.To, ns, other) && portsMatch(r.Ports, dst, proto, port) {
					return true
				}
			}
		}
	}
	return !isolated
}

func hasType(np *networkingv1.NetworkPolicy, dir networkingv1.PolicyType) bool {
	for _, pt := range np.Spec.PolicyTypes {
		if pt == dir {
			return true
		}
	}
	return false
}

func matches(sel *metav1.LabelSelector, lbls map[string]string) bool {
	ls, err := metav1.LabelSelectorAsSelector(sel)
	return err == nil && ls.Matches(labels.Set(lbls))
}

// peersMatch: an empty list admits everyone; an ipBlock admits addresses
// outside the cluster, a selector pods.
func peersMatch(peers []networkingv1.NetworkPolicyPeer, ns string, p peer) bool {
	if len(peers) == 0 {
		return true
	}
	for _, np := range peers {
		switch {
		case np.IPBlock != nil:
			if p.addr.IsValid() && inBlock(np.IPBlock, p.addr) {
				return true
			}
		case p.addr.IsValid():
		case np.NamespaceSelector == nil:
			if p.namespace == ns && matches(np.PodSelector, p.labels) {
				return true
			}
		default:
			if matches(np.NamespaceSelector, p.nsLabels) && (np.PodSelector == nil || matches(np.PodSelector, p.labels)) {
				return true
			}
		}
	}
	return false
}

func inBlock(b *networkingv1.IPBlock, a netip.Addr) bool {
	pfx, err := netip.ParsePrefix(b.CIDR)
	if err != nil || !pfx.Contains(a) {
		return false
	}
	for _, e := range b.Except {
		if ex, err := netip.ParsePrefix(e); err == nil && ex.Contains(a) {
			return false
		}
	}
	return true
}

func portsMatch(ports []networkingv1.NetworkPolicyPort, dst peer, proto corev1.Protocol, port int32) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		switch {
		case p.Port == nil:
			return true
		case p.Port.Type == intstr.String:
			for _, cp := range dst.ports {
				if cp.Name == p.Port.StrVal && cp.ContainerPort == port {
					return true
				}
			}
		case p.EndPort != nil:
			if port >= p.Port.IntVal && port <= *p.EndPort {
				return true
			}
		case p.Port.IntVal == port:
			return true
		}
	}
	return false
}

// flow is a connection the design has (allow) or does not have.
type flow struct {
	src, dst peer
	proto    corev1.Protocol
	port     int32
	allow    bool
}

func (f flow) String() string {
	verb := "must not reach"
	if f.allow {
		verb = "must reach"
	}
	return fmt.Sprintf("%s %s %s %s/%d", f.src.name, verb, f.dst.name, f.proto, f.port)
}

// checkNetworkPolicies: a default deny of both directions for every pod,
// then each flow of the design allowed and the others refused.
func checkNetworkPolicies(t *testing.T, s *stack) {
	deny := false
	for _, np := range s.netpols {
		sel := np.Spec.PodSelector
		if len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0 && hasType(np, networkingv1.PolicyTypeIngress) &&
			hasType(np, networkingv1.PolicyTypeEgress) && len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 {
			deny = true
		}
	}
	if !deny {
		t.Errorf("no default-deny NetworkPolicy (every pod, Ingress and Egress, no rule)")
	}
	for _, f := range designFlows(t, s) {
		if got := allowed(s, f.src, f.dst, f.proto, f.port); got != f.allow {
			t.Errorf("%s", f)
		}
	}
}
