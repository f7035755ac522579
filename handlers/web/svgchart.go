package web

import (
	"fmt"
	"strings"
)

// Charts are drawn on the server as inline SVG (deployments run on
// intranets, and the CSP allows no script from elsewhere): the page's
// template writes the shapes computed here, so every label goes through
// html/template's escaping. Each chart has a title and a description for
// screen readers, and every bar links to the list it counts.

// chartItem is one bar before layout.
type chartItem struct {
	Label string
	Value int
	Href  string
}

// chartBar is one laid-out bar of a horizontal bar chart.
type chartBar struct {
	chartItem
	Y, W, TextY, ValueX int
}

// barChart is a horizontal bar chart: labels on the left, bars scaled to
// the largest value, the value after each bar.
type barChart struct {
	ID, Title, Desc string
	Width, Height   int
	LabelW, BarMax  int // the label column and the longest bar, in px
	LabelX          int // where labels end (text-anchor end)
	Bars            []chartBar
	Empty           string // shown instead of an empty chart
}

const (
	chartRow    = 24 // px per bar
	chartBarH   = 16
	chartWidth  = 560
	chartLabelW = 170
)

func newBarChart(id, title, empty string, items []chartItem) barChart {
	c := barChart{ID: id, Title: title, Empty: empty, Width: chartWidth, LabelW: chartLabelW, LabelX: chartLabelW - 8,
		BarMax: chartWidth - chartLabelW - 60}
	top := 0
	var desc []string
	for _, it := range items {
		top = max(top, it.Value)
		desc = append(desc, fmt.Sprintf("%s: %d", it.Label, it.Value))
	}
	for i, it := range items {
		w := 0
		if top > 0 {
			w = it.Value * c.BarMax / top
		}
		if it.Value > 0 {
			w = max(w, 2) // a non-zero count stays visible
		}
		y := 4 + i*chartRow
		c.Bars = append(c.Bars, chartBar{chartItem: it, Y: y, W: w, TextY: y + chartBarH - 3, ValueX: c.LabelW + w + 6})
	}
	c.Height = 8 + len(items)*chartRow
	c.Desc = strings.Join(desc, "; ")
	return c
}

// stackSeg is one phase's share of a batch's bar.
type stackSeg struct {
	X, W  int
	Class string // phase-P1 ... phase-done: the colour, from app.css
	Title string
	Href  string
}

// stackRow is one batch: its label, total and phase segments.
type stackRow struct {
	Label string
	Total int
	Href  string
	Y     int
	TextY int
	Segs  []stackSeg
}

// stackChart draws each batch as a bar of 100% split by phase.
type stackChart struct {
	ID, Title, Desc string
	Width, Height   int
	LabelW, BarMax  int
	LabelX, ValueX  int
	Rows            []stackRow
}

// progressBar is one audit's accepted steps out of 35.
type progressBar struct {
	ID, Title     string
	Width, Height int
	Filled        int
	Accepted, Of  int
}

func newProgressBar(id, title string, accepted, of int) progressBar {
	const w = 400
	return progressBar{ID: id, Title: title, Width: w, Height: 20, Filled: accepted * w / max(of, 1), Accepted: accepted, Of: of}
}
