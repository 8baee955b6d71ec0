package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitGitHubDrift checks the scheduled drift workflow: it runs on a
// schedule, may write issues, its drift step passes on exit 0 and 2 of
// --detailed-exitcode (the issue step runs on 2) and fails on 1.
func TestInitGitHubDrift(t *testing.T) {
	wf := ciReadYAML(t, ".github/workflows/alignctl-drift.yml")
	on := ciMap(t, wf, "on")
	if sched := ciList(t, on, "schedule"); len(sched) == 0 {
		t.Error("on.schedule is empty: drift runs on a schedule")
	}
	if got := ciMap(t, wf, "permissions")["issues"]; got != "write" {
		t.Errorf("permissions.issues = %v, want write (the drift issue)", got)
	}
	ciCheckVersion(t, ciMap(t, wf, "env"))
	steps := ciList(t, ciMap(t, ciMap(t, wf, "jobs"), "drift"), "steps")
	drift := ciStep(t, steps, func(s map[string]any) bool { return strings.Contains(ciStr(s["run"]), "drift --detailed-exitcode") })
	issue := ciStep(t, steps, func(s map[string]any) bool { return strings.Contains(ciStr(s["run"]), "gh issue create") })
	if got := ciStr(issue["if"]); got != "steps.drift.outputs.exitcode == '2'" {
		t.Errorf("issue step if: %q, want it on drift only (exit 2)", got)
	}
	if !strings.Contains(ciStr(issue["run"]), "gh issue comment") {
		t.Error("the issue step does not comment on the open drift issue: every run would open another")
	}
	for code, want := range map[int]bool{0: true, 2: true, 1: false} {
		t.Run(fmt.Sprintf("exit%d", code), func(t *testing.T) {
			r := ciRunScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, ciStr(drift["run"]), nil, code)
			if r.ok != want {
				t.Fatalf("drift step with alignctl exit %d: success %v, want %v\n%s", code, r.ok, want, r.out)
			}
			if !strings.Contains(r.githubOutput, fmt.Sprintf("exitcode=%d\n", code)) {
				t.Errorf("GITHUB_OUTPUT = %q, want exitcode=%d", r.githubOutput, code)
			}
			if !strings.Contains(r.args, "--config config drift --detailed-exitcode") {
				t.Errorf("alignctl ran with\n%s\nwant drift --detailed-exitcode", r.args)
			}
		})
	}
}

// TestInitGitLabDrift checks the GitLab drift job: scheduled pipelines of
// the default branch only, reading the apply job's cached state without
// writing it, failing on drift (exit 2) and on errors; and the apply job
// stays out of scheduled pipelines.
func TestInitGitLabDrift(t *testing.T) {
	ci := ciReadYAML(t, ".gitlab-ci.yml")
	job := ciMap(t, ci, "alignctl-drift")
	if !strings.Contains(ciRuleIf(t, job), `$CI_PIPELINE_SOURCE == "schedule"`) {
		t.Errorf("alignctl-drift rules: %q, want scheduled pipelines", ciRuleIf(t, job))
	}
	if !strings.Contains(ciRuleIf(t, ciMap(t, ci, "alignctl-apply")), `$CI_PIPELINE_SOURCE != "schedule"`) {
		t.Errorf("alignctl-apply rules: %q, want no apply in a scheduled pipeline", ciRuleIf(t, ciMap(t, ci, "alignctl-apply")))
	}
	if c := ciMap(t, job, "cache"); c["key"] != "alignctl-state" || c["policy"] != "pull" {
		t.Errorf("alignctl-drift cache = %v, want the apply job's alignctl-state, policy pull", c)
	}
	var script []string
	for _, s := range ciList(t, job, "script") {
		script = append(script, ciStr(s))
	}
	for code, want := range map[int]bool{0: true, 2: false, 1: false} {
		t.Run(fmt.Sprintf("exit%d", code), func(t *testing.T) {
			r := ciRunScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"},
				"mkdir -p .alignctl && touch .alignctl/state.duckdb\n"+strings.Join(script, "\n"),
				map[string]string{"ALIGNCTL_STATE": ".alignctl/state.duckdb"}, code)
			if r.ok != want {
				t.Fatalf("drift job with alignctl exit %d: success %v, want %v\n%s", code, r.ok, want, r.out)
			}
		})
	}
	t.Run("no state", func(t *testing.T) {
		r := ciRunScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, strings.Join(script, "\n"),
			map[string]string{"ALIGNCTL_STATE": ".alignctl/state.duckdb"}, 0)
		if r.ok || r.args != "" {
			t.Errorf("drift job without a state: success %v, alignctl ran with %q; want a failure before alignctl runs", r.ok, r.args)
		}
	})
}

// TestInitGitHubWorkflowsPassActionlint runs actionlint on every GitHub
// workflow init writes. .ci/run installs it; elsewhere a missing actionlint
// skips the test, as the browser test does without chromium.
func TestInitGitHubWorkflowsPassActionlint(t *testing.T) {
	bin, err := exec.LookPath("actionlint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must lint the workflows (.ci/run installs actionlint)", err)
		}
		t.Skipf("actionlint not found: go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12 to run it")
	}
	files, err := filepath.Glob(filepath.Join(ciTemplateDir, ".github", "workflows", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows: %v", err)
	}
	out, err := exec.Command(bin, files...).CombinedOutput()
	if err != nil {
		t.Fatalf("actionlint %s: %v\n%s", strings.Join(files, " "), err, out)
	}
}
