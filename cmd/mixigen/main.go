// Command mixigen writes a large, valid mixi fixture for benchmarks and load
// tests, deterministically:
//
//	go run ./cmd/mixigen -users 100000 -friendships 1000000 > DIR/mixi.json
//	go run ./cmd/fakeapi -fixtures DIR
//
// User 10000001 is a hub with a tenth of the friendships; every other user
// (the hub included) installed app 13579, whose consumer key and secret are
// those of the default fixture.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/fakeapi/fakeapi/emulator/mixi"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mixigen:", err)
		os.Exit(2)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mixigen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	users := fs.Int("users", 100000, "number of users")
	friendships := fs.Int("friendships", 1000000, "number of distinct friendships")
	seed := fs.Uint64("seed", 1, "generator seed; the same flags give the same document")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return mixi.Generate(stdout, mixi.GenerateOptions{Users: *users, Friendships: *friendships, Seed: *seed})
}
