package cli

import (
	"cmp"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alignctl/alignctl/reconcile"
)

// htmlView is a plan as one self-contained web page, the report a reviewer
// opens beside the pull-request comment: the summary, the guardrails, what
// the change does, a chart of accounts per territory before and after for
// each field force, the balance, the config diff and the changes. Nothing is
// loaded from anywhere (no scripts, fonts, images or stylesheets; the page's
// content security policy forbids them), so the file can be mailed, archived
// as a CI artifact and opened offline. The charts are SVG drawn here.
type htmlView struct{}

// htmlChartLimit is how many territories a field force's chart draws; past
// it, the chart keeps those furthest from the median after the plan (a
// field force can have thousands of territories, and a chart of all of them
// would show none).
const htmlChartLimit = 200

// htmlListed is how many rows a table of changes, impacts or accounts
// lists before pointing at the JSON plan.
const htmlListed = 500

func (htmlView) render(w io.Writer, p *reconcile.Plan) error {
	return htmlTemplate.Execute(w, newHTMLPage(p))
}

// htmlPage is what the template shows: the plan, and what is computed from
// it (the charts' geometry, the diff's lines, the lists cut to length).
type htmlPage struct {
	P             *reconcile.Plan
	Title         string
	Config        string
	Base          string
	Counts        []htmlCount
	Charts        []htmlChart
	Impact        []reconcile.TerritoryImpact
	ImpactMore    int
	Moved         bool // an impact lists accounts
	Diff          []htmlDiffLine
	Changes       []htmlChange
	ChangesMore   int
	PerTerritory  []htmlTerritoryCount
	OtherChanges  []htmlChange
	CRM           []string
	Pending       []string
	Conflicts     []string
	ConflictsMore int
	Targets       htmlCycleTargets
}

type htmlCount struct {
	Label string
	N     int
	Class string // how to colour a count that is not zero
}

type htmlDiffLine struct{ Class, Text string }

type htmlChange struct{ Sign, Class, Territory, Text string }

type htmlTerritoryCount struct {
	Territory string
	reconcile.TerritoryCount
}

func newHTMLPage(p *reconcile.Plan) htmlPage {
	s := p.Summary
	pg := htmlPage{P: p, Title: "No changes", Config: describeConfig(p.Config)}
	if p.HasChanges() {
		pg.Title = fmt.Sprintf("%d to create, %d to end-date, %d to update", s.Create, s.End, s.Update)
	}
	if p.Base != nil {
		pg.Base = describeConfig(*p.Base)
	}
	pg.Counts = []htmlCount{
		{"Assignments created", s.Create, "add"},
		{"Assignments end-dated", s.End, "del"},
		{"Assignments updated", s.Update, "upd"},
		{"Territory changes", s.TerritoryChange, "upd"},
		{"Roster and product changes", s.ConfigChange, "upd"},
		{"CRM records to push", s.CRMChanges + s.PendingPush, "upd"},
		{"Guardrail violations", len(p.GuardrailViolations), "bad"},
	}
	if len(p.Conflicts) > 0 {
		pg.Counts = append(pg.Counts, htmlCount{"Exclusive conflicts", len(p.Conflicts), "bad"})
	}
	if len(p.Warnings) > 0 {
		pg.Counts = append(pg.Counts, htmlCount{"Warnings", len(p.Warnings), "warn"})
	}
	pg.Charts = htmlCharts(p)
	pg.Impact = p.Impact[:min(len(p.Impact), htmlListed)]
	pg.ImpactMore = len(p.Impact) - len(pg.Impact)
	for _, t := range pg.Impact {
		pg.Moved = pg.Moved || len(t.GainedAccounts)+len(t.LostAccounts) > 0
	}
	if p.ConfigDiff != "" {
		for _, line := range strings.Split(strings.TrimRight(p.ConfigDiff, "\n"), "\n") {
			class := ""
			switch {
			case strings.HasPrefix(line, "+++") || strings.HasPrefix(line, "---"):
				class = "file"
			case strings.HasPrefix(line, "@@"):
				class = "hunk"
			case strings.HasPrefix(line, "+"):
				class = "add"
			case strings.HasPrefix(line, "-"):
				class = "del"
			}
			pg.Diff = append(pg.Diff, htmlDiffLine{class, line})
		}
	}
	for _, c := range p.AssignmentChanges[:min(len(p.AssignmentChanges), htmlListed)] {
		line := describeChange(c)
		pg.Changes = append(pg.Changes, htmlChange{Sign: line[:1], Class: signClass(line[:1]), Territory: c.Territory, Text: line[2:]})
	}
	pg.ChangesMore = len(p.AssignmentChanges) - len(pg.Changes)
	for _, t := range p.Territories() {
		pg.PerTerritory = append(pg.PerTerritory, htmlTerritoryCount{t, s.PerTerritory[t]})
	}
	for _, t := range p.TerritoryChanges {
		pg.OtherChanges = append(pg.OtherChanges, htmlChange{Sign: actionSign(t.Action), Class: signClass(actionSign(t.Action)),
			Territory: t.Territory, Text: strings.TrimSpace("territory " + strings.Join(t.Fields, ", "))})
	}
	for _, c := range p.ConfigChanges {
		pg.OtherChanges = append(pg.OtherChanges, htmlChange{Sign: actionSign(c.Action), Class: signClass(actionSign(c.Action)), Text: c.Kind + " " + c.Key})
	}
	pg.CRM, pg.Pending = countCRM(p.CRMChanges), countCRM(p.PendingPush)
	pg.Conflicts = p.Conflicts[:min(len(p.Conflicts), htmlListed)]
	pg.ConflictsMore = len(p.Conflicts) - len(pg.Conflicts)
	pg.Targets = newHTMLCycleTargets(p)
	return pg
}

func signClass(sign string) string {
	return map[string]string{"+": "add", "-": "del", "~": "upd"}[sign]
}

// htmlChart is one field force's bar chart: per territory a bar of its
// accounts before the plan and one after, with the geometry worked out here
// so that the page needs no script.
type htmlChart struct {
	FieldForce    string
	Territories   int // of the field force
	LeftOut       int // not drawn: htmlChartLimit
	Width, Height int
	RowH, BarH    float64
	Label         string // the chart for a screen reader
	Balance       *reconcile.FieldForceBalance
	Ticks         []htmlTick
	MedianX       float64
	PlotTop       float64
	PlotBottom    float64
	ValueX        float64
	LabelX        float64
	Rows          []htmlRow
}

type htmlTick struct {
	X     float64
	Label string
}

type htmlRow struct {
	reconcile.TerritoryAccounts
	Title                 string // "ONC-101: before 4, after 111"
	Violation             bool
	Y, TextY              float64
	BeforeY, AfterY       float64
	BeforeW, AfterW, BarX float64
	Value                 string // "4 → 111"
}

// Chart geometry, in SVG user units (CSS pixels at full size).
const (
	chartWidth   = 560.0
	chartRow     = 22.0
	chartTop     = 24.0 // the axis labels
	chartBottom  = 8.0
	chartBarH    = 8.0
	chartCharW   = 7.2 // a label character at 12px, generously
	chartValueCW = 6.6 // a value character at 11px
)

// htmlCharts draws a chart per field force from the plan's accounts per
// territory (sorted by field force and territory).
func htmlCharts(p *reconcile.Plan) []htmlChart {
	violated := map[string]bool{}
	for _, v := range p.GuardrailViolations {
		violated[v.Territory] = true
	}
	var charts []htmlChart
	for start, end := 0, 0; start < len(p.Accounts); start = end {
		for end = start; end < len(p.Accounts) && p.Accounts[end].FieldForce == p.Accounts[start].FieldForce; end++ {
		}
		ts := p.Accounts[start:end]
		c := htmlChart{FieldForce: ts[0].FieldForce, Territories: len(ts)}
		// The plan's balance covers the same territories: one per field force.
		var median float64
		for i := range p.Balance {
			if p.Balance[i].FieldForce == c.FieldForce {
				c.Balance = &p.Balance[i]
				median = c.Balance.After.Median
			}
		}
		if len(ts) > htmlChartLimit {
			// Those furthest from the median, in the chart's territory order.
			ts = reconcile.FurthestFromMedian(ts, median, htmlChartLimit)
			slices.SortFunc(ts, func(a, b reconcile.TerritoryAccounts) int { return cmp.Compare(a.Territory, b.Territory) })
			c.LeftOut = c.Territories - len(ts)
		}
		labelW, valueW, top := 0.0, 0.0, 0
		for _, t := range ts {
			labelW = max(labelW, float64(utf8.RuneCountInString(t.Territory))*chartCharW)
			valueW = max(valueW, float64(utf8.RuneCountInString(chartValue(t)))*chartValueCW)
			top = max(top, t.Before, t.After)
		}
		labelW = min(max(labelW+12, 64), 220)
		valueW = max(valueW+12, 48)
		plotX, plotW := labelW, chartWidth-labelW-valueW
		axis, step := niceAxis(top)
		scale := func(n float64) float64 { return px(plotW * n / axis) }
		c.Width, c.RowH, c.BarH = int(chartWidth), chartRow, chartBarH
		c.Height = int(chartTop + float64(len(ts))*chartRow + chartBottom)
		c.PlotTop, c.PlotBottom = chartTop-4, float64(c.Height)-chartBottom+2
		c.LabelX, c.ValueX = labelW-8, chartWidth-4
		c.MedianX = px(plotX + scale(median))
		for n := 0.0; n <= axis; n += step {
			c.Ticks = append(c.Ticks, htmlTick{X: px(plotX + scale(n)), Label: strconv.FormatFloat(n, 'f', -1, 64)})
		}
		for i, t := range ts {
			y := chartTop + float64(i)*chartRow
			c.Rows = append(c.Rows, htmlRow{
				TerritoryAccounts: t, Violation: violated[t.Territory],
				Title: fmt.Sprintf("%s: before %d, after %d", t.Territory, t.Before, t.After),
				Y:     y, TextY: y + chartRow/2 + 4, BeforeY: y + 2, AfterY: y + 3 + chartBarH,
				BarX: plotX, BeforeW: scale(float64(t.Before)), AfterW: scale(float64(t.After)), Value: chartValue(t),
			})
		}
		c.Label = fmt.Sprintf("Bar chart: accounts per territory of field force %s before and after the plan, %d territories", c.FieldForce, c.Territories)
		if b := c.Balance; b != nil {
			c.Label += fmt.Sprintf("; before %s; after %s", describeSpread(b.Before), describeSpread(b.After))
		}
		if c.LeftOut > 0 {
			c.Label += fmt.Sprintf("; showing the %d furthest from the median", len(ts))
		}
		charts = append(charts, c)
	}
	return charts
}

func chartValue(t reconcile.TerritoryAccounts) string {
	return fmt.Sprintf("%d → %d", t.Before, t.After)
}

// niceAxis is the end of an axis that holds top, and its step: a round
// number (1, 2 or 5 times a power of ten) with four or five steps.
func niceAxis(top int) (end, step float64) {
	if top <= 0 {
		return 1, 1
	}
	raw := float64(top) / 4
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step = mag
	for _, m := range []float64{1, 2, 5, 10} {
		if step = m * mag; step >= raw {
			break
		}
	}
	step = max(step, 1)
	return math.Ceil(float64(top)/step) * step, step
}

// px rounds a coordinate to a tenth of a pixel, to keep the page small.
func px(x float64) float64 { return math.Round(x*10) / 10 }

var htmlTemplate = template.Must(template.New("plan").Funcs(template.FuncMap{
	"verdict":     policyVerdict,
	"consequence": policyConsequence,
	"listed": func(vs []reconcile.PolicyViolation) []reconcile.PolicyViolation {
		return vs[:min(len(vs), htmlListed)]
	},
	"time":   fmtTime,
	"end":    fmtEnd,
	"spread": spreadCells,
	"cv":     func(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) },
	"trend": func(b reconcile.FieldForceBalance) string {
		switch {
		case b.After.CV > b.Before.CV+0.005:
			return "worse"
		case b.After.CV < b.Before.CV-0.005:
			return "better"
		}
		return ""
	},
	"join": strings.Join,
	"goal": reconcile.FormatGoal,
	"add":  func(a, b int) int { return a + b },
}).Parse(htmlSource + `{{define "cycletargets"}}` + htmlCycleTargetsSource + `{{end}}`))

// htmlSource is the page. Every value from the plan is data to the template,
// escaped for where it lands (text, attribute, SVG).
const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="alignctl">
<title>alignctl plan: {{.Title}}</title>
<style>
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --panel: #f8fafc;
  --before: #a3afbf; --after: #2563eb; --add: #15803d; --del: #b91c1c; --upd: #b45309; --bad: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 24px 28px 40px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 0 0 2px; }
p { margin: 6px 0; }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.meta { color: var(--muted); }
.meta code { color: var(--fg); background: var(--panel); padding: 1px 5px; border-radius: 4px; }
.note { color: var(--muted); font-size: 13px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 18px 0 0; padding: 0; }
.tiles div { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.tiles dt { color: var(--muted); font-size: 12.5px; }
.tiles dd { margin: 0; font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tiles .nonzero.tile-add dd { color: var(--add); } .tiles .nonzero.tile-del dd { color: var(--del); }
.tiles .nonzero.tile-upd dd { color: var(--upd); }
.tiles .nonzero.tile-bad { border-color: var(--bad); background: #fef2f2; } .tiles .nonzero.tile-bad dd { color: var(--bad); }
.tiles .nonzero.tile-warn { border-color: #f59e0b; background: #fffbeb; }
.alert { border: 1px solid; border-left-width: 5px; border-radius: 6px; padding: 10px 14px; margin: 16px 0 0; }
.alert h2 { border: 0; margin: 0 0 4px; padding: 0; font-size: 16px; }
.alert ul { margin: 4px 0 0; padding-left: 20px; }
.alert.bad { border-color: var(--bad); background: #fef2f2; } .alert.bad h2 { color: var(--bad); }
.alert.warn { border-color: #f59e0b; background: #fffbeb; } .alert.warn h2 { color: #92400e; }
.ok { color: var(--add); margin: 14px 0 0; }
table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px 5px 0; border-bottom: 1px solid var(--line); text-align: left; vertical-align: baseline; }
thead th { font-weight: 600; font-size: 13px; color: var(--muted); }
tbody th { font-weight: 400; }
td.n, th.n { text-align: right; padding-left: 12px; }
.add { color: var(--add); } .del { color: var(--del); } .upd { color: var(--upd); }
.worse { color: var(--del); } .better { color: var(--add); }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 8px 40px; align-items: start; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 24px 40px; align-items: start; }
figure { margin: 0; }
figcaption { margin-bottom: 6px; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart text { font-family: inherit; font-size: 12px; fill: var(--fg); }
svg.chart .axis text { font-size: 11px; fill: var(--muted); }
svg.chart .grid { stroke: var(--line); stroke-width: 1; }
svg.chart .median { stroke: #111827; stroke-width: 1; stroke-dasharray: 4 3; }
svg.chart .value { font-size: 11px; fill: var(--muted); }
svg.chart .row { fill: transparent; pointer-events: all; }
svg.chart .row:hover { fill: #eef2ff; }
svg.chart .bar.before { fill: var(--before); }
svg.chart .bar.after { fill: var(--after); }
svg.chart .bar.after.violation { fill: var(--bad); }
svg.chart text.violation { fill: var(--bad); font-weight: 600; }
.legend { display: flex; gap: 18px; flex-wrap: wrap; color: var(--muted); font-size: 13px; margin: 0 0 12px; }
.swatch { display: inline-block; width: 14px; height: 9px; margin-right: 6px; vertical-align: middle; border-radius: 2px; }
.swatch.before { background: var(--before); } .swatch.after { background: var(--after); }
.swatch.violation { background: var(--bad); }
.swatch.median { height: 0; border-top: 2px dashed #111827; border-radius: 0; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; margin: 6px 0; }
pre.diff span { display: block; white-space: pre; }
pre.diff .add { background: #ecfdf5; } pre.diff .del { background: #fef2f2; }
pre.diff .file { color: var(--fg); font-weight: 600; } pre.diff .hunk { color: #6d28d9; }
details { margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
ul.plain { margin: 6px 0; padding-left: 20px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12.5px; }
</style>
</head>
<body>
<main>
<header>
<h1>alignctl plan: {{.Title}}</h1>
<p class="meta">Config <code>{{.Config}}</code>{{with .Base}} against base <code>{{.}}</code>{{end}}, state serial {{.P.StateSerial}}, at <code>{{time .P.Now}}</code>
{{- with .P.Scope.Territory}}, scope <code>{{.}}</code> and its descendants{{end}}
{{- with .P.Scope.SendToCRM}}, rules with send_to_crm {{.}}{{end}}.</p>
</header>

<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
<dl class="tiles">
{{- range .Counts}}
<div class="tile-{{.Class}}{{if .N}} nonzero{{end}}"><dt>{{.Label}}</dt><dd>{{.N}}</dd></div>
{{- end}}
</dl>
{{- if .P.GuardrailViolations}}
<div class="alert bad" role="alert">
<h2 id="guardrails">Guardrail violations</h2>
<p>This plan breaks the guardrails of the settings: <code>alignctl apply</code> refuses it without <code>--allow-violations</code>.</p>
<ul>
{{- range .P.GuardrailViolations}}
<li>{{.Message}}</li>
{{- end}}
</ul>
</div>
{{- else}}
<p class="ok" id="guardrails">No guardrail violations.</p>
{{- end}}
{{- if .P.Warnings}}
<div class="alert warn">
<h2 id="warnings">Warnings</h2>
<ul>
{{- range .P.Warnings}}
<li>{{.}}</li>
{{- end}}
</ul>
</div>
{{- end}}
</section>
{{- if .P.PolicyResults}}

<section aria-labelledby="policies">
<h2 id="policies">Policies</h2>
<table>
<thead><tr><th scope="col">Policy</th><th scope="col">Level</th><th scope="col">Result</th><th scope="col">On apply</th></tr></thead>
<tbody>
{{- range .P.PolicyResults}}
<tr><td>{{.Policy}}</td><td>{{.Level}}</td><td>{{if .Violated}}<strong>{{verdict .}}</strong>{{else}}passed{{end}}</td><td>{{if .Violated}}{{consequence .Level}}{{else}}-{{end}}</td></tr>
{{- end}}
</tbody>
</table>
{{- range .P.PolicyResults}}{{if .Violated}}
<h3>{{.Policy}} ({{.Level}})</h3>
<ul>
{{- range listed .Violations}}
<li>{{.Message}}</li>
{{- end}}
</ul>
{{- if gt (len .Violations) (len (listed .Violations))}}
<p>and {{len .Violations}} in all: <code>alignctl plan --format json</code> lists them.</p>
{{- end}}
{{- end}}{{end}}
</section>
{{- end}}

{{- if .P.Base}}

<section aria-labelledby="impact">
<h2 id="impact">What this change does</h2>
<p class="note">Both configs evaluated against the same state at the same time: the accounts each territory gains and loses, and the (account, territory) pairs each rule adds and drops. A rule marked <em>unchanged</em> is the same rule, whose matches moved for another reason (a geography, an exclusion).</p>
{{- if not .P.Impact}}
<p>No account changes territory.</p>
{{- end}}
<div class="cols">
{{- if .Impact}}
<table>
<thead><tr><th scope="col">Territory</th><th scope="col" class="n">Accounts gained</th><th scope="col" class="n">Accounts lost</th></tr></thead>
<tbody>
{{- range .Impact}}
<tr><th scope="row" class="mono">{{.Territory}}</th><td class="n{{if .Gained}} add{{end}}">+{{.Gained}}</td><td class="n{{if .Lost}} del{{end}}">-{{.Lost}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
{{- if .P.RuleImpact}}
<table>
<thead><tr><th scope="col">Rule</th><th scope="col">Change</th><th scope="col" class="n">Adds</th><th scope="col" class="n">Drops</th></tr></thead>
<tbody>
{{- range .P.RuleImpact}}
<tr><th scope="row" class="mono">{{.Rule}}</th><td>{{.Change}}</td><td class="n{{if .Added}} add{{end}}">{{.Added}}</td><td class="n{{if .Dropped}} del{{end}}">{{.Dropped}}</td></tr>
{{- end}}
</tbody>
</table>
{{- end}}
</div>
{{- if .ImpactMore}}
<p class="note">… and {{.ImpactMore}} more territories (<code>alignctl plan --format json</code> lists every one).</p>
{{- end}}
{{- if .Moved}}
<details>
<summary>Accounts gained and lost</summary>
<pre class="diff">
{{- range .Impact}}{{$t := .Territory}}
{{- range .GainedAccounts}}<span class="add">+ {{$t}} {{.}}</span>{{end}}
{{- if gt .Gained (len .GainedAccounts)}}<span class="add">+ {{$t}} … and more (the JSON plan lists 100 per territory)</span>{{end}}
{{- range .LostAccounts}}<span class="del">- {{$t}} {{.}}</span>{{end}}
{{- if gt .Lost (len .LostAccounts)}}<span class="del">- {{$t}} … and more (the JSON plan lists 100 per territory)</span>{{end}}
{{- end}}</pre>
</details>
{{- end}}
</section>
{{- end}}
{{- template "cycletargets" .}}

{{- if .Charts}}

<section aria-labelledby="accounts">
<h2 id="accounts">Accounts per territory</h2>
<p class="legend"><span><span class="swatch before"></span>before the plan</span><span><span class="swatch after"></span>after the plan</span>
{{- if .P.GuardrailViolations}}<span><span class="swatch violation"></span>after, outside the guardrails</span>{{end}}<span><span class="swatch median"></span>median after the plan</span></p>
<div class="charts">
{{- range .Charts}}
<figure>
<figcaption><h3>Field force {{.FieldForce}}</h3>
<span class="note">{{.Territories}} territories{{with .Balance}}; after: min {{.After.Min}}, median {{.After.Median}}, max {{.After.Max}}, CV {{cv .After.CV}}{{end}}</span>
{{- if .LeftOut}}<br><span class="note">Showing the {{len .Rows}} territories furthest from the median; {{.LeftOut}} are left out (<code>alignctl plan --format json</code> has every one in <code>accounts_per_territory</code>).</span>{{end}}</figcaption>
<svg class="chart" role="img" aria-label="{{.Label}}" width="{{.Width}}" height="{{.Height}}" viewBox="0 0 {{.Width}} {{.Height}}">
<g class="axis">
{{- $c := .}}
{{- range .Ticks}}
<line class="grid" x1="{{.X}}" x2="{{.X}}" y1="{{$c.PlotTop}}" y2="{{$c.PlotBottom}}"></line><text x="{{.X}}" y="14" text-anchor="middle">{{.Label}}</text>
{{- end}}
</g>
{{- range .Rows}}
<g class="territory">
<rect class="row" x="0" y="{{.Y}}" width="{{$c.Width}}" height="{{$c.RowH}}"><title>{{.Title}}</title></rect>
<text x="{{$c.LabelX}}" y="{{.TextY}}" text-anchor="end"{{if .Violation}} class="violation"{{end}}>{{.Territory}}</text>
<rect class="bar before" x="{{.BarX}}" y="{{.BeforeY}}" width="{{.BeforeW}}" height="{{$c.BarH}}"><title>{{.Title}}</title></rect>
<rect class="bar after{{if .Violation}} violation{{end}}" x="{{.BarX}}" y="{{.AfterY}}" width="{{.AfterW}}" height="{{$c.BarH}}"><title>{{.Title}}</title></rect>
<text class="value" x="{{$c.ValueX}}" y="{{.TextY}}" text-anchor="end">{{.Value}}</text>
</g>
{{- end}}
<line class="median" x1="{{.MedianX}}" x2="{{.MedianX}}" y1="{{.PlotTop}}" y2="{{.PlotBottom}}"></line>
</svg>
<details>
<summary>As a table</summary>
<table>
<thead><tr><th scope="col">Territory</th><th scope="col" class="n">Before</th><th scope="col" class="n">After</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><th scope="row" class="mono">{{.Territory}}</th><td class="n">{{.Before}}</td><td class="n">{{.After}}</td></tr>
{{- end}}
</tbody>
</table>
</details>
</figure>
{{- end}}
</div>
</section>
{{- end}}

{{- if .P.Balance}}

<section aria-labelledby="balance">
<h2 id="balance">Balance</h2>
<p class="note">Accounts per territory (territories without child territories). CV is the coefficient of variation, standard deviation over mean: below about 0.2 reads as balanced.</p>
<table>
<thead><tr><th scope="col">Field force</th><th scope="col" class="n">Territories</th><th scope="col">Before: min / median / max</th><th scope="col" class="n">CV</th><th scope="col">After: min / median / max</th><th scope="col" class="n">CV</th><th scope="col">Furthest from the median</th></tr></thead>
<tbody>
{{- range .P.Balance}}
<tr><th scope="row">{{.FieldForce}}</th><td class="n">{{.Territories}}</td><td>{{spread .Before}}</td><td class="n">{{cv .Before.CV}}</td><td>{{spread .After}}</td><td class="n {{trend .}}">{{cv .After.CV}}</td>
<td>{{range $i, $t := .Furthest}}{{if $i}}, {{end}}<span class="mono">{{$t.Territory}}</span> ({{$t.After}}){{end}}</td></tr>
{{- end}}
</tbody>
</table>
</section>
{{- end}}

{{- if .Diff}}

<section aria-labelledby="diff">
<h2 id="diff">Config diff</h2>
<pre class="diff">
{{- range .Diff}}<span{{with .Class}} class="{{.}}"{{end}}>{{.Text}}</span>{{end}}</pre>
</section>
{{- end}}

<section aria-labelledby="changes">
<h2 id="changes">Changes</h2>
{{- if not .P.HasChanges}}
<p>No changes. The state matches the config.</p>
{{- end}}
{{- if .Changes}}
<details>
<summary>Assignment changes ({{len .P.AssignmentChanges}})</summary>
<pre class="diff">
{{- range .Changes}}<span class="{{.Class}}">{{.Sign}} {{.Territory}} {{.Text}}</span>{{end}}
{{- if .ChangesMore}}<span>… and {{.ChangesMore}} more (alignctl plan --format json lists every change)</span>{{end}}</pre>
</details>
{{- end}}
{{- if .PerTerritory}}
<details>
<summary>Assignment changes per territory ({{len .PerTerritory}})</summary>
<table>
<thead><tr><th scope="col">Territory</th><th scope="col" class="n">Created</th><th scope="col" class="n">End-dated</th><th scope="col" class="n">Updated</th></tr></thead>
<tbody>
{{- range .PerTerritory}}
<tr><th scope="row" class="mono">{{.Territory}}</th><td class="n">{{.Create}}</td><td class="n">{{.End}}</td><td class="n">{{.Update}}</td></tr>
{{- end}}
</tbody>
</table>
</details>
{{- end}}
{{- if .OtherChanges}}
<details>
<summary>Territory, roster and product changes ({{len .OtherChanges}})</summary>
<pre class="diff">
{{- range .OtherChanges}}<span class="{{.Class}}">{{.Sign}} {{with .Territory}}{{.}} {{end}}{{.Text}}</span>{{end}}</pre>
</details>
{{- end}}
{{- if or .CRM .Pending}}
<h3>CRM records a push would write after apply</h3>
<ul class="plain">
{{- range .CRM}}
<li class="mono">{{.}}</li>
{{- end}}
{{- range .Pending}}
<li class="mono">{{.}} (pending from an earlier apply)</li>
{{- end}}
</ul>
{{- end}}
{{- if .Conflicts}}
<details>
<summary>Exclusive conflicts ({{len .P.Conflicts}})</summary>
<ul class="plain">
{{- range .Conflicts}}
<li>{{.}}</li>
{{- end}}
{{- if .ConflictsMore}}
<li>… and {{.ConflictsMore}} more</li>
{{- end}}
</ul>
</details>
{{- end}}
</section>

{{- with .P.Command}}

<section aria-labelledby="reproduce">
<h2 id="reproduce">Reproduce</h2>
<pre><code>{{.}}</code></pre>
</section>
{{- end}}

<footer>Made by alignctl. This page loads nothing from the network; <code>alignctl plan --format json</code> is the same plan for programs.</footer>
</main>
</body>
</html>
`
