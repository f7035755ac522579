package detect

import (
	"strings"
	"testing"
	"time"
)

// sides joins a side's chunks back into its text, and its changed chunks
// alone.
func sides(al Alignment) (a, b, changedA, changedB string) {
	var sa, sb, ca, cb strings.Builder
	for _, s := range al.Segments {
		for _, c := range s.A {
			sa.WriteString(c.Text)
			if c.Changed {
				ca.WriteString(c.Text + "|")
			}
		}
		for _, c := range s.B {
			sb.WriteString(c.Text)
			if c.Changed {
				cb.WriteString(c.Text + "|")
			}
		}
	}
	return sa.String(), sb.String(), ca.String(), cb.String()
}

const (
	alignShared = "本轮清洁生产审核共提出清洁生产方案二十三项，其中无低费方案十八项，中高费方案五项，总投资三百二十万元，实施后年节水量一万二千吨，节电四十五万千瓦时，年经济效益八十六万元，审核小组认为方案可行。"
	alignOwnA   = "甲公司位于石家庄市藁城区，始建于一九九八年，主要产品为棉布印染产品，现有职工六百人。"
	alignOwnB   = "乙企业地处唐山市迁安市工业园区，成立于二零零五年，以热轧带钢为主业，员工一千二百名。"
)

func TestAlignSharedPassageAndOwnText(t *testing.T) {
	a := alignOwnA + alignShared + "以上为预审核结论。"
	b := alignOwnB + alignShared + "评估专家组同意通过。"
	al := Align(a, b, Defaults())
	if len(al.Anchors) != 1 {
		t.Fatalf("anchors = %d, want 1: %+v", len(al.Anchors), al.Anchors)
	}
	ga, gb, _, _ := sides(al)
	if ga != a || gb != b {
		t.Fatalf("the chunks do not rebuild the texts:\n%q\n%q", ga, gb)
	}
	var match *Segment
	for i := range al.Segments {
		if al.Segments[i].Match == 1 {
			match = &al.Segments[i]
		}
	}
	if match == nil || len(match.A) != 1 || match.A[0].Changed || match.A[0].Text != strings.TrimSuffix(alignShared, "。") {
		t.Fatalf("shared passage segment = %+v", match)
	}
	if al.Similarity <= 0 || al.Similarity >= 1 {
		t.Errorf("similarity = %v", al.Similarity)
	}
}

func TestAlignInsertionsDeletionsInVersions(t *testing.T) {
	v1 := alignOwnA + alignShared + alignOwnB
	// v2: a figure changed inside the shared passage, a clause inserted,
	// and a clause deleted.
	v2 := strings.Replace(v1, "二十三项", "二十五项", 1)
	v2 = strings.Replace(v2, "审核小组认为方案可行。", "审核小组认为方案可行，建议尽快实施。", 1)
	v2 = strings.Replace(v2, "现有职工六百人。", "", 1)
	al := Align(v1, v2, Defaults())
	ga, gb, ca, cb := sides(al)
	if ga != v1 || gb != v2 {
		t.Fatalf("the chunks do not rebuild the texts")
	}
	for _, want := range []string{"三", "现有职工六百人。"} {
		if !strings.Contains(ca, want) {
			t.Errorf("deleted %q not marked on the left: %q", want, ca)
		}
	}
	for _, want := range []string{"五", "，建议尽快实施"} {
		if !strings.Contains(cb, want) {
			t.Errorf("inserted %q not marked on the right: %q", want, cb)
		}
	}
	// What stayed must not be marked: the chunks are readable, not a
	// character soup.
	if strings.Contains(ca, "清洁生产") || strings.Contains(cb, "清洁生产") {
		t.Errorf("unchanged text marked as changed: %q / %q", ca, cb)
	}
	if al.Similarity < 0.8 {
		t.Errorf("similarity of two versions = %v", al.Similarity)
	}
}

func TestAlignIdenticalAndUnrelated(t *testing.T) {
	al := Align(alignShared, alignShared, Defaults())
	if _, _, ca, cb := sides(al); ca != "" || cb != "" {
		t.Errorf("identical texts marked: %q %q", ca, cb)
	}
	al = Align(alignOwnA, alignOwnB, Defaults())
	if len(al.Anchors) != 0 || al.Similarity != 0 {
		t.Errorf("unrelated texts: %+v", al.Comparison)
	}
	ga, gb, _, _ := sides(al)
	if ga != alignOwnA || gb != alignOwnB {
		t.Errorf("unrelated texts not kept whole")
	}
	al = Align("", alignOwnB, Defaults())
	if ga, gb, _, _ := sides(al); ga != "" || gb != alignOwnB {
		t.Errorf("empty side: %q %q", ga, gb)
	}
}

func TestAlignCrossingPassagesKeepOrder(t *testing.T) {
	p1 := alignShared
	p2 := strings.Repeat("企业建立健全清洁生产管理制度并定期开展能源审计与水平衡测试，", 3)
	a := p1 + alignOwnA + p2
	b := p2 + alignOwnB + p1
	al := Align(a, b, Defaults())
	if len(al.Anchors) != 1 {
		t.Fatalf("crossing passages: %d anchors, want the heavier one", len(al.Anchors))
	}
	ga, gb, _, _ := sides(al)
	if ga != a || gb != b {
		t.Fatalf("the chunks do not rebuild the texts")
	}
}

func TestAlignBudgetSpent(t *testing.T) {
	v1 := alignOwnA + alignShared + alignOwnB
	v2 := strings.Replace(v1, "二十三项", "二十五项", 1)
	al := AlignWithin(v1, v2, Defaults(), -time.Second)
	if al.Coarse == 0 {
		t.Fatalf("no segment coarse with the budget spent")
	}
	if ga, gb, _, _ := sides(al); ga != v1 || gb != v2 {
		t.Fatalf("coarse alignment lost text")
	}
}

func TestSharedShingles(t *testing.T) {
	if s := sharedShingles([]rune(alignShared), []rune(alignShared)); s != 1 {
		t.Errorf("same text: %v", s)
	}
	if s := sharedShingles([]rune(alignOwnA), []rune(alignOwnB)); s > 0.1 {
		t.Errorf("unrelated text: %v", s)
	}
}
