package main

import (
	"math/rand/v2"
	"slices"
)

// Accounts are drawn in two passes. This first pass draws what the config
// depends on (where each account is, what kind it is, its specialty and
// status) into a compact array, 8 bytes an account, so that 5 million fit in
// 40 MB; the snapshot pass (snapshot.go) draws the rest while it writes.

// Account kinds: HCPs, then one kind per HCO type.
const kindHCP = 0

// Countries of accounts. Canadian ones lie outside the country filter.
const (
	countryUS = iota
	countryPR
	countryCA
)

var countryCodes = []string{"US", "PR", "CA"}

// Statuses, weighted: a few inactive (never pushed) and pending accounts.
var statuses = []weighted{{"active__v", 925}, {"inactive__v", 60}, {"pending__v", 15}}

type account struct {
	zip       int32 // primary address: index into places.zips; for CA an index into canadianFSAs
	kind      uint8 // kindHCP, or 1 + index into hcoTypes
	country   uint8
	specialty uint8 // HCPs: index into specialties
	status    uint8 // index into statuses
}

// population is the first pass: every account, and the indexes the config
// and the snapshot look accounts up by.
type population struct {
	places   *places
	accounts []account
	// byZip lists the accounts whose primary address has that ZIP; hcos and
	// hospitals list the HCOs (pharmacies aside) and hospitals per prefix.
	byZip     [][]int32
	hcos      [][]int32
	hospitals [][]int32
}

func hcoKind(name string) uint8 {
	return uint8(1 + slices.IndexFunc(hcoTypes, func(w weighted) bool { return w.value == name }))
}

func specialtyIndex(name string) int {
	return slices.IndexFunc(specialties, func(w weighted) bool { return w.value == name })
}

func drawIndex(rng *rand.Rand, ws []weighted, total int) uint8 {
	r := rng.IntN(total)
	for i, w := range ws {
		if r < w.weight {
			return uint8(i)
		}
		r -= w.weight
	}
	return uint8(len(ws) - 1)
}

func sumWeights(ws []weighted) int {
	t := 0
	for _, w := range ws {
		t += w.weight
	}
	return t
}

// drawPopulation draws n accounts: ~80% HCPs, ~20% HCOs; ~96% US, ~2.5%
// Puerto Rico, ~1.5% Canada.
func drawPopulation(rng *rand.Rand, pl *places, n int) *population {
	p := &population{
		places:    pl,
		accounts:  make([]account, n),
		byZip:     make([][]int32, len(pl.zips)),
		hcos:      make([][]int32, len(pl.prefixes)),
		hospitals: make([][]int32, len(pl.prefixes)),
	}
	specTotal, hcoTotal, statusTotal := sumWeights(specialties), sumWeights(hcoTypes), sumWeights(statuses)
	hospital, pharmacy := hcoKind("Hospital"), hcoKind("Pharmacy")
	for i := range p.accounts {
		a := &p.accounts[i]
		switch r := rng.IntN(1000); {
		case r < 15:
			a.country = countryCA
			a.zip = int32(rng.IntN(len(canadianFSAs)))
		case r < 40:
			a.country = countryPR
			a.zip = int32(pl.draw(rng, "PR"))
		default:
			a.country = countryUS
			a.zip = int32(pl.draw(rng, "US"))
		}
		if rng.IntN(100) < 80 {
			a.kind = kindHCP
			a.specialty = drawIndex(rng, specialties, specTotal)
		} else {
			a.kind = 1 + drawIndex(rng, hcoTypes, hcoTotal)
		}
		a.status = drawIndex(rng, statuses, statusTotal)
		if a.country == countryCA {
			continue
		}
		p.byZip[a.zip] = append(p.byZip[a.zip], int32(i))
		if a.kind != kindHCP && a.kind != pharmacy {
			pre := pl.zips[a.zip].prefix
			p.hcos[pre] = append(p.hcos[pre], int32(i))
			if a.kind == hospital {
				p.hospitals[pre] = append(p.hospitals[pre], int32(i))
			}
		}
	}
	return p
}
