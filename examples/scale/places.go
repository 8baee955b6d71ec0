package main

import (
	"math"
	"math/rand/v2"
	"slices"
)

// The places accounts live in: a synthetic but US-shaped ZIP code universe.
// Three-digit prefixes follow the real prefix-to-state ranges; each prefix
// holds 10-80 five-digit codes, weighted so that a few metro prefixes hold
// many accounts and rural ones few, as prescribers are spread in practice.

// stateRange maps the ZIP prefixes lo..hi to a state.
type stateRange struct {
	lo, hi int
	state  string
}

// usRanges are the real ZIP prefix ranges of the states (military and
// unassigned ranges left out). 006-009 are Puerto Rico.
var usRanges = []stateRange{
	{6, 9, "PR"}, {10, 27, "MA"}, {28, 29, "RI"}, {30, 38, "NH"}, {39, 49, "ME"}, {50, 59, "VT"},
	{60, 69, "CT"}, {70, 89, "NJ"}, {100, 149, "NY"}, {150, 196, "PA"}, {197, 199, "DE"},
	{200, 205, "DC"}, {206, 219, "MD"}, {220, 246, "VA"}, {247, 268, "WV"}, {270, 289, "NC"},
	{290, 299, "SC"}, {300, 319, "GA"}, {320, 349, "FL"}, {350, 369, "AL"}, {370, 385, "TN"},
	{386, 397, "MS"}, {400, 427, "KY"}, {430, 458, "OH"}, {460, 479, "IN"}, {480, 499, "MI"},
	{500, 528, "IA"}, {530, 549, "WI"}, {550, 567, "MN"}, {570, 577, "SD"}, {580, 588, "ND"},
	{590, 599, "MT"}, {600, 629, "IL"}, {630, 658, "MO"}, {660, 679, "KS"}, {680, 693, "NE"},
	{700, 714, "LA"}, {716, 729, "AR"}, {730, 749, "OK"}, {750, 799, "TX"}, {800, 816, "CO"},
	{820, 831, "WY"}, {832, 838, "ID"}, {840, 847, "UT"}, {850, 865, "AZ"}, {870, 884, "NM"},
	{889, 898, "NV"}, {900, 961, "CA"}, {967, 968, "HI"}, {970, 979, "OR"}, {980, 994, "WA"},
	{995, 999, "AK"},
}

// metros are prefixes of large cities: they get many more accounts.
var metros = map[int]float64{
	21: 6, 100: 9, 101: 3, 104: 3, 112: 5, 113: 3, 191: 5, 152: 3, 200: 4, 212: 3, 303: 4,
	331: 4, 336: 3, 328: 3, 372: 3, 441: 3, 432: 3, 452: 3, 482: 4, 606: 8, 554: 3, 631: 3,
	770: 6, 752: 5, 787: 3, 782: 3, 802: 3, 850: 4, 900: 8, 921: 4, 941: 4, 945: 2, 951: 3,
	981: 4, 972: 3, 891: 3, 841: 2, 462: 3, 532: 3, 9: 4,
}

// prefix is one three-digit ZIP prefix and the codes in it.
type prefix struct {
	code    string // "021"
	state   string
	country string // US, or PR
	zips    []int  // indexes into places.zips
}

// zip is one five-digit code.
type zip struct {
	code   string
	prefix int // index into places.prefixes
	city   string
}

// places is the ZIP universe and the weighted draw of a code from it.
type places struct {
	prefixes []prefix
	zips     []zip
	// Per country (US, PR): the codes and their cumulative weights, for
	// drawing one by weight with a binary search.
	codes map[string][]int
	cum   map[string][]float64
}

func newPlaces(rng *rand.Rand) *places {
	p := &places{codes: map[string][]int{}, cum: map[string][]float64{}}
	total := map[string]float64{}
	for _, r := range usRanges {
		for n := r.lo; n <= r.hi; n++ {
			// About one prefix in twelve is unassigned, as in the real ranges.
			if rng.IntN(12) == 0 && metros[n] == 0 {
				continue
			}
			country := "US"
			if r.state == "PR" {
				country = "PR"
			}
			pi := len(p.prefixes)
			pr := prefix{code: pad3(n), state: r.state, country: country}
			weight := math.Exp(rng.NormFloat64() * 0.7)
			if m := metros[n]; m > 0 {
				weight *= m
			}
			count := 10 + rng.IntN(71)
			suffixes := rng.Perm(100)[:count]
			slices.Sort(suffixes)
			for _, s := range suffixes {
				zi := len(p.zips)
				pr.zips = append(pr.zips, zi)
				p.zips = append(p.zips, zip{code: pr.code + pad2(s), prefix: pi, city: townFor(rng, r.state)})
				// Within a prefix, a few codes (the downtown ones) hold most.
				total[country] += weight * math.Exp(rng.NormFloat64()*0.9)
				p.codes[country] = append(p.codes[country], zi)
				p.cum[country] = append(p.cum[country], total[country])
			}
			p.prefixes = append(p.prefixes, pr)
		}
	}
	return p
}

// draw picks a ZIP code of the country (US or PR) by weight.
func (p *places) draw(rng *rand.Rand, country string) int {
	cum := p.cum[country]
	i, _ := slices.BinarySearch(cum, rng.Float64()*cum[len(cum)-1])
	return p.codes[country][min(i, len(cum)-1)]
}

// near picks a code of the same prefix: a second office nearby.
func (p *places) near(rng *rand.Rand, z int) int {
	zs := p.prefixes[p.zips[z].prefix].zips
	return zs[rng.IntN(len(zs))]
}

func pad2(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }

func pad3(n int) string {
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// canadianFSAs are the Canadian postal areas of the snapshot's few Canadian
// accounts, which the country filter drops.
var canadianFSAs = []struct{ fsa, province, city string }{
	{"M5G", "ON", "Toronto"}, {"M4N", "ON", "Toronto"}, {"H3A", "QC", "Montréal"},
	{"V5Z", "BC", "Vancouver"}, {"T2N", "AB", "Calgary"}, {"K1H", "ON", "Ottawa"},
}
