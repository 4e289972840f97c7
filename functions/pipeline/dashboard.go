package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/dashboard"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
)

const dashboardPurpose = "a read-only web app over the bucket on --listen (default " + dashboard.DefaultListen + "); live as objects land"

// dashboardCmd serves the read-only dashboard over the bucket until SIGINT or SIGTERM.
func dashboardCmd(ctx context.Context, inv jobs.IO) int {
	listen, poll := dashboard.DefaultListen, dashboard.DefaultPoll
	common, log, code, done := parse("dashboard", dashboardPurpose, inv, func(s *envflag.Set) {
		s.String(&listen, "listen", "RECPIPE_DASHBOARD_LISTEN", "`ADDRESS` to listen on; off loopback it needs "+dashboard.EnvToken, envflag.NotEmpty())
		s.Var(durationFlag{&poll}, "poll", "", "how often the bucket is listed for new objects (a `DURATION`, e.g. 2s)")
		s.Note("The token is read from " + dashboard.EnvToken + " only: optional on a loopback address, required on any other. " +
			"With a token, open /?token=TOKEN once (it sets a cookie) or send Authorization: Bearer TOKEN.")
	})
	if done {
		return code
	}
	token := inv.Getenv(dashboard.EnvToken)
	if err := dashboard.CheckListen(listen, token); err != nil {
		fmt.Fprintln(inv.Stderr, "pipeline dashboard: usage error:", err)
		return envflag.ExitUsage
	}
	b, err := blob.Open(ctx, common.Bucket)
	if err != nil {
		log.Error("open bucket", "err", err)
		return 1
	}
	defer b.Close()
	l, err := net.Listen("tcp", listen)
	if err != nil {
		log.Error("listen", "err", err)
		return 1
	}
	fmt.Fprintf(inv.Stdout, "dashboard: http://%s/\n", l.Addr())
	srv := dashboard.New(dashboard.Options{Bucket: b, Token: token, Poll: poll, Log: log})
	if err := srv.Serve(ctx, l); err != nil {
		log.Error("serve", "err", err)
		return 1
	}
	return 0
}

// durationFlag is a flag.Value for a positive time.Duration.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(v string) error {
	d, err := time.ParseDuration(v)
	if err != nil {
		return err
	}
	if d <= 0 {
		return fmt.Errorf("want a positive duration, got %s", d)
	}
	*f.d = d
	return nil
}
