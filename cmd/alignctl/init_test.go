package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The CI files alignctl init writes, as they are embedded.
const ciTemplateDir = "cli/initrepo"

// TestInitGitHubPlan checks the pull request workflow: it runs on pull
// requests with the history --base needs, may comment, and its plan step
// passes on exit 0 and 2 of --detailed-exitcode and fails on 1.
func TestInitGitHubPlan(t *testing.T) {
	wf := ciReadYAML(t, ".github/workflows/alignctl-plan.yml")
	on := ciMap(t, wf, "on")
	if _, ok := on["pull_request"]; !ok {
		t.Errorf("on: %v, want pull_request", ciKeys(on))
	}
	if got := ciMap(t, wf, "permissions")["pull-requests"]; got != "write" {
		t.Errorf("permissions.pull-requests = %v, want write (the plan comment)", got)
	}
	ciCheckVersion(t, ciMap(t, wf, "env"))
	steps := ciList(t, ciMap(t, ciMap(t, wf, "jobs"), "plan"), "steps")
	checkout := ciStep(t, steps, func(s map[string]any) bool { return strings.HasPrefix(ciStr(s["uses"]), "actions/checkout@") })
	if got := ciMap(t, checkout, "with")["fetch-depth"]; got != 0 {
		t.Errorf("checkout fetch-depth = %v, want 0 (plan --base needs the history)", got)
	}
	plan := ciStep(t, steps, func(s map[string]any) bool { return strings.Contains(ciStr(s["run"]), "--detailed-exitcode") })
	comment := ciStep(t, steps, func(s map[string]any) bool { return strings.HasPrefix(ciStr(s["uses"]), "actions/github-script@") })
	if !strings.HasPrefix(ciStr(comment["if"]), "always()") {
		t.Errorf("comment step if: %q, want always(): a failed plan is posted too", comment["if"])
	}

	env := map[string]string{"BASE_REF": "main", "STATE_FOUND": "true"}
	for code, want := range map[int]bool{0: true, 2: true, 1: false} {
		t.Run(fmt.Sprintf("exit%d", code), func(t *testing.T) {
			r := ciRunScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, ciStr(plan["run"]), env, code)
			if r.ok != want {
				t.Fatalf("plan step with alignctl exit %d: success %v, want %v\n%s", code, r.ok, want, r.out)
			}
			if !strings.Contains(r.githubOutput, fmt.Sprintf("exitcode=%d\n", code)) {
				t.Errorf("GITHUB_OUTPUT = %q, want exitcode=%d", r.githubOutput, code)
			}
			wantArgs := "--config config plan --base origin/main --format markdown --out plan.json --detailed-exitcode"
			if !strings.Contains(r.args, wantArgs) {
				t.Errorf("alignctl ran with\n%s\nwant %s", r.args, wantArgs)
			}
			ciCheckPlanMD(t, r.planMD, code)
		})
	}
	t.Run("no state", func(t *testing.T) {
		r := ciRunScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, ciStr(plan["run"]),
			map[string]string{"BASE_REF": "main", "STATE_FOUND": "false"}, 2)
		if !r.ok || !strings.Contains(r.planMD, "No alignctl state was found") || !strings.Contains(r.planMD, "## Plan") {
			t.Errorf("plan step without a state: success %v, plan.md\n%s", r.ok, r.planMD)
		}
	})
}

// TestInitGitHubApply checks the after-merge workflow: on pushes to main,
// one run at a time, never cancelled, applying and pushing, and keeping the
// state even when a step failed.
func TestInitGitHubApply(t *testing.T) {
	wf := ciReadYAML(t, ".github/workflows/alignctl-apply.yml")
	branches := ciList(t, ciMap(t, ciMap(t, wf, "on"), "push"), "branches")
	if len(branches) != 1 || branches[0] != "main" {
		t.Errorf("on.push.branches = %v, want [main]", branches)
	}
	conc := ciMap(t, wf, "concurrency")
	if ciStr(conc["group"]) == "" || conc["cancel-in-progress"] != false {
		t.Errorf("concurrency = %v, want a group, and cancel-in-progress false (never stop a push half-way)", conc)
	}
	ciCheckVersion(t, ciMap(t, wf, "env"))
	steps := ciList(t, ciMap(t, ciMap(t, wf, "jobs"), "apply"), "steps")
	ciStep(t, steps, func(s map[string]any) bool {
		return strings.Contains(ciStr(s["run"]), "alignctl --config config apply --auto-approve --push")
	})
	keep := ciStep(t, steps, func(s map[string]any) bool { return strings.HasPrefix(ciStr(s["uses"]), "actions/upload-artifact@") })
	if !strings.HasPrefix(ciStr(keep["if"]), "always()") || ciMap(t, keep, "with")["name"] != "alignctl-state" {
		t.Errorf("state upload step = %v, want the alignctl-state artifact, if: always()", keep)
	}
}

// TestInitGitLab checks .gitlab-ci.yml: a plan job on merge requests with
// the history --base needs, failing on exit 1 but not 2, and an apply job on
// the default branch in a resource group.
func TestInitGitLab(t *testing.T) {
	ci := ciReadYAML(t, ".gitlab-ci.yml")
	ciCheckVersion(t, ciMap(t, ci, "variables"))
	plan := ciMap(t, ci, "alignctl-plan")
	if !strings.Contains(ciRuleIf(t, plan), `$CI_PIPELINE_SOURCE == "merge_request_event"`) {
		t.Errorf("alignctl-plan rules: %q, want merge request pipelines", ciRuleIf(t, plan))
	}
	if got := ciMap(t, plan, "variables")["GIT_DEPTH"]; got != "0" {
		t.Errorf("alignctl-plan GIT_DEPTH = %v, want \"0\" (plan --base needs the history)", got)
	}
	apply := ciMap(t, ci, "alignctl-apply")
	if !strings.Contains(ciRuleIf(t, apply), "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH") {
		t.Errorf("alignctl-apply rules: %q, want the default branch", ciRuleIf(t, apply))
	}
	if ciStr(apply["resource_group"]) == "" {
		t.Error("alignctl-apply has no resource_group: two applies could run at once")
	}
	if c := ciMap(t, apply, "cache"); c["when"] != "always" || c["policy"] != "pull-push" {
		t.Errorf("alignctl-apply cache = %v, want pull-push, when: always (a failed push still changed the state)", c)
	}
	var applyScript []string
	for _, s := range ciList(t, apply, "script") {
		applyScript = append(applyScript, ciStr(s))
	}
	if !strings.Contains(strings.Join(applyScript, "\n"), "alignctl --config config apply --auto-approve --push") {
		t.Errorf("alignctl-apply script does not apply and push:\n%s", strings.Join(applyScript, "\n"))
	}

	// The plan job's script as the runner's bash runs it, less the calls to
	// GitLab's API.
	var script []string
	for _, s := range ciList(t, plan, "script") {
		if !strings.Contains(ciStr(s), "curl ") {
			script = append(script, ciStr(s))
		}
	}
	env := map[string]string{"CI_MERGE_REQUEST_DIFF_BASE_SHA": "abc123", "CI_DEFAULT_BRANCH": "main", "STATE_FOUND": "true"}
	for code, want := range map[int]bool{0: true, 2: true, 1: false} {
		t.Run(fmt.Sprintf("exit%d", code), func(t *testing.T) {
			r := ciRunScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, strings.Join(script, "\n"), env, code)
			if r.ok != want {
				t.Fatalf("plan job with alignctl exit %d: success %v, want %v\n%s", code, r.ok, want, r.out)
			}
			wantArgs := "--config config plan --base abc123 --format markdown --out plan.json --detailed-exitcode"
			if !strings.Contains(r.args, wantArgs) {
				t.Errorf("alignctl ran with\n%s\nwant %s", r.args, wantArgs)
			}
			ciCheckPlanMD(t, r.planMD, code)
		})
	}
	t.Run("merged results", func(t *testing.T) {
		env := map[string]string{"CI_MERGE_REQUEST_DIFF_BASE_SHA": "abc123", "CI_MERGE_REQUEST_TARGET_BRANCH_SHA": "def456", "STATE_FOUND": "true"}
		r := ciRunScript(t, []string{"bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"}, strings.Join(script, "\n"), env, 0)
		if !strings.Contains(r.args, "--base def456 ") {
			t.Errorf("in a merged results pipeline alignctl ran with\n%s\nwant --base def456 (the target branch's head)", r.args)
		}
	})
}

// checkVersion checks that CI installs the version alignctl init fills in.
func ciCheckVersion(t *testing.T, vars map[string]any) {
	t.Helper()
	if vars["ALIGNCTL_VERSION"] != "latest" {
		t.Errorf("ALIGNCTL_VERSION = %v, want latest (alignctl init replaces it with its release)", vars["ALIGNCTL_VERSION"])
	}
}

// checkPlanMD checks the comment a plan step leaves: the plan, or the error.
func ciCheckPlanMD(t *testing.T, md string, code int) {
	t.Helper()
	if code == 1 {
		if !strings.Contains(md, "alignctl plan failed (exit 1)") || !strings.Contains(md, "config/x.yaml:1:1: bad") {
			t.Errorf("plan.md after a failed plan:\n%s", md)
		}
		return
	}
	if md != "## Plan\n" {
		t.Errorf("plan.md = %q, want the plan's Markdown", md)
	}
}

type ciRun struct {
	ok                              bool
	out, args, planMD, githubOutput string
}

// runCI runs a CI script in a temporary folder with a fake alignctl first in
// PATH: it records its arguments, and plan prints Markdown and exits code.
func ciRunScript(t *testing.T, shell []string, script string, env map[string]string, code int) ciRun {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("CI scripts run in a POSIX shell")
	}
	if _, err := exec.LookPath(shell[0]); err != nil {
		t.Skipf("no %s: %v", shell[0], err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	work := filepath.Join(dir, "work")
	for _, d := range []string{bin, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	fake := `#!/bin/sh
echo "$*" >>"$FAKE_ARGS"
case " $* " in
*" plan "*|*" drift "*)
	echo "## Plan"
	if [ "$FAKE_PLAN_EXIT" = 1 ]; then echo "alignctl: config/x.yaml:1:1: bad" >&2; fi
	exit "$FAKE_PLAN_EXIT" ;;
esac
`
	if err := os.WriteFile(filepath.Join(bin, "alignctl"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(shell[0], append(shell[1:], script)...)
	cmd.Dir = work
	cmd.Env = []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + dir,
		"FAKE_ARGS=" + filepath.Join(dir, "args"),
		"FAKE_PLAN_EXIT=" + fmt.Sprint(code),
		"GITHUB_OUTPUT=" + filepath.Join(dir, "github_output"),
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	if _, isExit := err.(*exec.ExitError); err != nil && !isExit {
		t.Fatal(err)
	}
	read := func(p string) string { b, _ := os.ReadFile(p); return string(b) }
	return ciRun{ok: err == nil, out: string(out), args: read(filepath.Join(dir, "args")),
		planMD: read(filepath.Join(work, "plan.md")), githubOutput: read(filepath.Join(dir, "github_output"))}
}

func ciReadYAML(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(ciTemplateDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func ciMap(t *testing.T, m map[string]any, key string) map[string]any {
	t.Helper()
	v, ok := m[key].(map[string]any)
	if !ok {
		t.Fatalf("%s: %T, want a mapping (keys here: %v)", key, m[key], ciKeys(m))
	}
	return v
}

func ciList(t *testing.T, m map[string]any, key string) []any {
	t.Helper()
	v, ok := m[key].([]any)
	if !ok {
		t.Fatalf("%s: %T, want a list", key, m[key])
	}
	return v
}

// step is the first step of a GitHub job that match accepts.
func ciStep(t *testing.T, steps []any, match func(map[string]any) bool) map[string]any {
	t.Helper()
	for _, s := range steps {
		if m, ok := s.(map[string]any); ok && match(m) {
			return m
		}
	}
	t.Fatal("no such step")
	return nil
}

// ruleIf is the condition of a GitLab job's first rule.
func ciRuleIf(t *testing.T, job map[string]any) string {
	t.Helper()
	rules := ciList(t, job, "rules")
	if len(rules) == 0 {
		t.Fatal("no rules")
	}
	r, _ := rules[0].(map[string]any)
	return ciStr(r["if"])
}

func ciStr(v any) string {
	s, _ := v.(string)
	return s
}

func ciKeys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
