// Command benchtool does the parts of bench/run.sh that a shell does badly:
//
//	benchtool startup -n 10 -name NAME -- BINARY ARGS…   cold start to the first 200, idle RSS
//	benchtool requests -emu URL -scenario NAME -n N -out FILE   a wrk request file (pools pre-signed / pre-minted)
//	benchtool manifest -emu URL -out FILE                 the emulator's answers, for bench/baseline
//	benchtool report -results FILE -out FILE              docs/PERFORMANCE.md
//	benchtool cpu -results FILE                           median server CPU per request, per scenario
//	benchtool soak -emu URL -pid PID -path NAME           flood one path, print its RSS figures (bench/soak.sh)
//
// It talks to the emulator over HTTP only, like any client: pools of
// single-use credentials are made with the emulator's clock (GET
// /_fakeapi/clock) and loaded through PUT /_fakeapi/state.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool startup|requests|manifest|report|cpu|soak [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "startup":
		err = runStartup(args)
	case "requests":
		err = runRequests(args)
	case "manifest":
		err = runManifest(args)
	case "report":
		err = runReport(args)
	case "cpu":
		err = runCPU(args)
	case "soak":
		err = runSoak(args)
	default:
		err = fmt.Errorf("unknown command %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}
