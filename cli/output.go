package cli

import (
	"io"
	"os"

	"gdpr"
)

// toOutput runs write on standard output, or on the file out (created,
// mode 0600: what is written holds personal data or evidence). A file
// whose writing failed is removed: nothing half-written.
func toOutput(e *env, out string, write func(w io.Writer) error) error {
	if out == "" {
		return write(e.stdout)
	}
	file, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return gdpr.Keyed(gdpr.EINVALID, "o", "cli.wrap", out, err)
	}
	err = write(file)
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(out)
	}
	return err
}
