// Command gdpr is the GDPR compliance engine. See `gdpr --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"gdpr/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
