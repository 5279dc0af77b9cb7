package verify

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/kubeboot/kubeboot/bootstrap/kubeconfig"
)

// ContextCheck returns a kubeconfig.CheckFunc (for kubeconfig.Check and
// kubeconfig.PlanPrune) that asks each context's API server its version
// with the context's credentials, o giving the timeouts (o.Config and
// o.Context are set per context). It answers:
//
//   - kubeconfig.CheckOK when the server answered;
//   - kubeconfig.CheckRejected when the credentials were refused
//     (ErrUnauthorized); a plain http server gets no credentials, as from
//     kubectl (AuthWithheld), so its 401 is kubeconfig.CheckUnknown and
//     its answer kubeconfig.CheckOK saying so, as is a 401 to a context
//     that has no credentials at all (AuthNone): none were refused;
//   - kubeconfig.CheckUnreachable only for a definite network answer: the
//     connection was refused, there is no route to the host, or the host
//     name does not resolve; "network is unreachable" (this machine has no
//     route to that network at all: offline) says nothing about the
//     server and is kubeconfig.CheckUnknown;
//   - kubeconfig.CheckUnknown for everything else, timeouts included (a
//     slow or offline network is no reason to forget a cluster), with the
//     problem as Reason.
//
// Reasons are this package's messages, which never hold credentials.
func ContextCheck(o Options) kubeconfig.CheckFunc {
	return func(ctx context.Context, view *kubeconfig.Config, c kubeconfig.ContextInfo) kubeconfig.Verdict {
		opts := o
		opts.Config, opts.Context, opts.Namespace = view, c.Name, ""
		_, err := ServerVersion(ctx, opts)
		v := Classify(ctx, err)
		if v.State == kubeconfig.CheckOK && strings.HasPrefix(strings.ToLower(c.Server), "http://") {
			v.Reason = "plain http: no credentials sent, as kubectl sends none"
		}
		return v
	}
}

// Classify maps an error of this package to a check verdict, by the rules
// of ContextCheck. A nil error is kubeconfig.CheckOK. Once ctx is done the
// answer is kubeconfig.CheckUnknown.
func Classify(ctx context.Context, err error) kubeconfig.Verdict {
	if err == nil {
		return kubeconfig.Verdict{State: kubeconfig.CheckOK}
	}
	reason := err.Error()
	if p, _, ok := Advice(err); ok {
		reason = p
	}
	unknown := kubeconfig.Verdict{State: kubeconfig.CheckUnknown, Reason: reason}
	if ctx.Err() != nil {
		return unknown
	}
	var ua *UnauthorizedError
	if errors.As(err, &ua) && (ua.AuthMethod == AuthWithheld || ua.AuthMethod == AuthNone) {
		return unknown // no credentials were sent: none were refused
	}
	if errors.Is(err, ErrUnauthorized) {
		return kubeconfig.Verdict{State: kubeconfig.CheckRejected, Reason: reason}
	}
	var ue *UnreachableError
	if !errors.As(err, &ue) || ue.Proxy != "" {
		return unknown // through a proxy, the proxy may be what failed
	}
	var dns *net.DNSError
	if errors.As(ue.Err, &dns) {
		if dns.IsNotFound && !dns.IsTimeout && !dns.IsTemporary {
			return kubeconfig.Verdict{State: kubeconfig.CheckUnreachable, Reason: reason}
		}
		return unknown
	}
	if errors.Is(ue.Err, errNetUnreachable) {
		return kubeconfig.Verdict{State: kubeconfig.CheckUnknown, Reason: "this machine has no route to the server's network (offline?): " + reason}
	}
	var op *net.OpError
	if errors.As(ue.Err, &op) && !op.Timeout() && op.Op == "dial" {
		return kubeconfig.Verdict{State: kubeconfig.CheckUnreachable, Reason: reason}
	}
	return unknown
}
