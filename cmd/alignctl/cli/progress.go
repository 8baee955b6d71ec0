package cli

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// progress shows long work on stderr when it is a terminal, and nothing
// extra when it is not (CI logs, pipes, tests).
type progress struct {
	bar *progressbar.ProgressBar
}

func newProgress(w io.Writer, description string, total int) *progress {
	f, ok := w.(*os.File)
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return &progress{}
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionShowCount(),
	}
	if os.Getenv("NO_COLOR") == "" {
		opts = append(opts, progressbar.OptionEnableColorCodes(true))
	}
	return &progress{bar: progressbar.NewOptions(total, opts...)}
}

func (p *progress) describe(s string) {
	if p.bar != nil {
		p.bar.Describe(s)
		p.bar.Add(1)
	}
}

func (p *progress) set(n int) {
	if p.bar != nil {
		p.bar.Set(n)
	}
}

func (p *progress) done() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
