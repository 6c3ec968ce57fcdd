package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
)

// runCPU prints, per scenario, mode and server, the median server CPU per
// request over the rounds of a results file: the figure by which an
// optimisation is kept or removed (bench/profiling.md), steadier than
// requests per second because it does not depend on how much CPU the load
// generator took.
func runCPU(args []string) error {
	fs := flag.NewFlagSet("cpu", flag.ContinueOnError)
	results := fs.String("results", "", "results.jsonl of bench/run.sh")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*results)
	if err != nil {
		return err
	}
	defer f.Close()
	var rs []result
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return err
		}
		rs = append(rs, r)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Print(cpuTable(rs))
	return nil
}

// cpuTable is the median server CPU per request of every scenario, mode
// and server over its rounds at log level warn, as a markdown table.
func cpuTable(rs []result) string {
	type key struct{ scenario, mode, server string }
	rounds := map[key][]float64{}
	var order []key
	for _, r := range rs {
		if r.Kind != "load" || r.Requests == 0 || r.LogLevel == "info" {
			continue
		}
		k := key{r.Scenario, r.Mode, r.Server}
		if _, ok := rounds[k]; !ok {
			order = append(order, k)
		}
		rounds[k] = append(rounds[k], float64(r.CPUMs)*1000/float64(r.Requests))
	}
	var b strings.Builder
	b.WriteString("| scenario | cores | server | median CPU µs/request | rounds |\n|---|---|---|---:|---|\n")
	for _, k := range order {
		v := rounds[k]
		fmt.Fprintf(&b, "| %s | %s | %s | %.2f | %s |\n", k.scenario, k.mode, k.server, median(v), fmtRounds(v))
	}
	return b.String()
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func fmtRounds(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}
