package cli

import (
	"cmp"
	"embed"
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
const htmlListed = reconcile.ShownFirst

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
	ChangesTotal  int
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
	pg.ChangesTotal = s.Create + s.End + s.Update
	pg.ChangesMore = pg.ChangesTotal - len(pg.Changes)
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
	pg.CRM, pg.Pending = countCRM(p.CRMChangeKinds()), countCRM(reconcile.CountCRMKinds(p.PendingPush))
	for _, c := range p.Conflicts[:min(len(p.Conflicts), htmlListed)] {
		pg.Conflicts = append(pg.Conflicts, c.Text())
	}
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

// templates holds the plan page; every value from the plan is data to the
// template, escaped for where it lands (text, attribute, SVG).
//
//go:embed templates/*.html.tmpl
var templates embed.FS

// htmlTemplate is named after the page's file: ParseFS gives each file's
// template its base name, and Execute runs the one so named.
var htmlTemplate = template.Must(template.New("plan.html.tmpl").Funcs(template.FuncMap{
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
}).ParseFS(templates, "templates/plan.html.tmpl", "templates/cycle-targets.html.tmpl"))
