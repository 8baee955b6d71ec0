package main

import (
	"math/rand/v2"
	"time"
)

// Random draws. Every one goes through g.rng, whose fixed seed keeps the
// snapshot byte-identical from run to run.

func (g *gen) pickArea() *area {
	total := 0
	for _, a := range areas {
		total += a.weight
	}
	r := g.rng.IntN(total)
	for i := range areas {
		if r < areas[i].weight {
			return &areas[i]
		}
		r -= areas[i].weight
	}
	panic("unreachable")
}

func (g *gen) pickAreaIn(country string) *area {
	for {
		if a := g.pickArea(); a.country == country {
			return a
		}
	}
}

func (g *gen) weighted(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.weight
	}
	r := g.rng.IntN(total)
	for _, w := range ws {
		if r < w.weight {
			return w.value
		}
		r -= w.weight
	}
	panic("unreachable")
}

// timestamp is a random RFC 3339 time in [from, to), whole seconds, UTC.
func (g *gen) timestamp(from, to time.Time) string {
	secs := int64(to.Sub(from) / time.Second)
	return from.Add(time.Duration(g.rng.Int64N(secs)) * time.Second).Format(time.RFC3339)
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }
