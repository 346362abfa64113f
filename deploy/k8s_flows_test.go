package deploy

import (
	"net/netip"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const (
	tcp = corev1.ProtocolTCP
	udp = corev1.ProtocolUDP
)

// designFlows are the connections the design has and a selection of those
// it has not, between the stack's pods and their neighbours.
func designFlows(t *testing.T, s *stack) []flow {
	ns := stackNamespace(s)
	nats := stackPeer(t, s, "StatefulSet/nats")
	mongo := stackPeer(t, s, "StatefulSet/mongodb")
	rsInit := stackPeer(t, s, "Job/mongodb-rs-init")
	portal := stackPeer(t, s, "Deployment/"+portalName)
	ensure := stackPeer(t, s, "Job/"+provisioningJob)

	// Neighbours: an operator's pod in the stack's namespace, another
	// application there, the ingress controller, Prometheus and DNS in
	// theirs, and an address outside the cluster (documentation range).
	ops := nsPeer("operations pod", ns, map[string]string{"app.kubernetes.io/component": "operations"})
	stranger := nsPeer("another app's pod", ns, map[string]string{"app.kubernetes.io/name": "wiki"})
	ingress := nsPeer("ingress controller", "ingress-nginx", map[string]string{"app.kubernetes.io/name": "ingress-nginx"})
	prom := nsPeer("prometheus", "monitoring", map[string]string{"app.kubernetes.io/name": "prometheus"})
	dns := nsPeer("kube-dns", "kube-system", map[string]string{"k8s-app": "kube-dns"})
	foreign := nsPeer("a pod of another namespace", "elsewhere", map[string]string{"app.kubernetes.io/name": "nats"})
	outside := peer{name: "outside the cluster", addr: netip.MustParseAddr("192.0.2.10")}

	f := func(src, dst peer, proto corev1.Protocol, port int32, allow bool) flow {
		return flow{src, dst, proto, port, allow}
	}
	fs := []flow{
		// NATS cluster routes, and nothing else between the servers.
		f(nats, nats, tcp, 6222, true),
		f(nats, nats, tcp, 27017, false),
		f(nats, mongo, tcp, 27017, false),
		f(nats, dns, udp, 53, true),
		f(nats, outside, tcp, 443, false),
		// MongoDB members among themselves; the init Job to them.
		f(mongo, mongo, tcp, 27017, true),
		f(rsInit, mongo, tcp, 27017, true),
		f(rsInit, nats, tcp, 4222, false),
		f(rsInit, dns, udp, 53, true),
		f(mongo, nats, tcp, 4222, false),
		f(mongo, outside, tcp, 443, false),
		// Operations to NATS.
		f(ops, nats, tcp, 4222, true),
		f(ops, mongo, tcp, 27017, false),
		// Nobody else reaches the stores.
		f(stranger, nats, tcp, 4222, false),
		f(stranger, mongo, tcp, 27017, false),
		f(foreign, nats, tcp, 4222, false),
		f(foreign, nats, tcp, 6222, false),
		f(foreign, mongo, tcp, 27017, false),
		f(outside, nats, tcp, 4222, false),
		f(outside, mongo, tcp, 27017, false),
		f(portal, nats, tcp, 4222, false),
		f(portal, mongo, tcp, 27017, false),
		f(prom, mongo, tcp, 27017, false),
		// The portal: pages through the ingress controller, /metrics to
		// Prometheus, out to the services (below) and the OIDC provider.
		f(ingress, portal, tcp, portalPort, true),
		f(prom, portal, tcp, portalPort, true),
		f(ingress, portal, tcp, portalPort+1, false),
		f(stranger, portal, tcp, portalPort, false),
		f(foreign, portal, tcp, portalPort, false),
		f(outside, portal, tcp, portalPort, false),
		f(ops, portal, tcp, portalPort, false),
		f(nats, portal, tcp, portalPort, false),
		f(mongo, portal, tcp, portalPort, false),
		f(portal, portal, tcp, portalPort, false),
		f(portal, outside, tcp, 443, true),
		f(portal, dns, udp, 53, true),
		f(portal, outside, tcp, 80, false),
		f(portal, outside, tcp, 587, false),
		f(portal, outside, tcp, 4222, false),
		f(portal, nats, tcp, 6222, false),
		f(portal, stranger, tcp, portalPort, false),
		// The provisioning Job: NATS, and nothing else.
		f(ensure, nats, tcp, 4222, true),
		f(ensure, dns, udp, 53, true),
		f(ensure, nats, tcp, 6222, false),
		f(ensure, nats, tcp, 8222, false),
		f(ensure, mongo, tcp, 27017, false),
		f(ensure, portal, tcp, portalPort, false),
		f(ensure, outside, tcp, 443, false),
		f(ensure, outside, tcp, 4222, false),
		f(ensure, stranger, tcp, 80, false),
		f(ingress, ensure, tcp, 8080, false),
	}
	for _, svc := range services {
		p := stackPeer(t, s, "Deployment/"+svc.name)
		fs = append(fs,
			f(p, nats, tcp, 4222, true),
			f(p, mongo, tcp, 27017, true),
			f(p, dns, udp, 53, true),
			f(p, dns, tcp, 53, true),
			f(p, outside, tcp, 443, true), // the OIDC provider's JWKS
			f(p, nats, tcp, 6222, false),
			f(p, nats, tcp, 8222, false),
			f(p, outside, tcp, 80, false),
			f(portal, p, tcp, svc.port, true),
			f(ingress, p, tcp, svc.port, true),
			f(prom, p, tcp, svc.port, true), // /metrics
			f(portal, p, tcp, svc.port+100, false),
			f(stranger, p, tcp, svc.port, false),
			f(outside, p, tcp, svc.port, false),
			f(nats, p, tcp, svc.port, false),
			f(mongo, p, tcp, svc.port, false),
			f(ensure, p, tcp, svc.port, false),
			f(p, portal, tcp, portalPort, false),
		)
		// Mail only from notification.
		fs = append(fs, f(p, outside, tcp, 587, svc.name == "notification"),
			f(p, outside, tcp, 25, svc.name == "notification"))
		// Services talk to each other only through NATS.
		for _, other := range services {
			if other.name != svc.name {
				fs = append(fs, f(p, stackPeer(t, s, "Deployment/"+other.name), tcp, other.port, false))
			}
		}
	}
	return fs
}
