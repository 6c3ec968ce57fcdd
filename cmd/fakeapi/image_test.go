package main

import (
	"debug/elf"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDockerfileShape pins what the image promises, since no
// Docker engine runs here to build it.
func TestDockerfileShape(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../Dockerfile")
	require.NoError(t, err)
	df := string(data)
	for _, want := range []string{
		"FROM golang:1.26.8-bookworm AS build",
		"CGO_ENABLED=0 go build -trimpath -ldflags \"-s -w",
		"FROM scratch",
		"COPY --from=build /out/fakeapi /fakeapi",
		"USER 65532:65532",
		"ENV FAKEAPI_ADDR=:8080",
		"EXPOSE 8080",
		`org.opencontainers.image.version="${VERSION}"`,
		`org.opencontainers.image.revision="${REVISION}"`,
		`org.opencontainers.image.licenses="Apache-2.0"`,
		`org.opencontainers.image.title="fakeapi"`,
		`org.opencontainers.image.source=`,
		`HEALTHCHECK --interval=10s --timeout=3s --start-period=1s --retries=3 CMD ["/fakeapi", "healthcheck"]`,
		`ENTRYPOINT ["/fakeapi"]`,
	} {
		assert.Contains(t, df, want)
	}
	assert.Equal(t, 1, strings.Count(df, "\nCOPY --from"), "the final stage should hold the binary and nothing else")
}

// TestScratchImage proves what the image's final stage would do: the static
// binary alone in an empty root, as a non-root user, serves health and passes
// its own HEALTHCHECK.
func TestScratchImage(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("TestScratchImage needs root for chroot, and CI runs as root")
		}
		t.Skip("SKIPPED LOUDLY: TestScratchImage needs root for chroot; run the suite as root to prove the image")
	}
	chroot, err := exec.LookPath("chroot")
	require.NoError(t, err, "chroot (coreutils) is needed")
	bin := fakeapiBinary(t)

	f, err := elf.Open(bin)
	require.NoError(t, err)
	for _, p := range f.Progs {
		assert.NotEqual(t, elf.PT_INTERP, p.Type, "should be static: no dynamic loader")
	}
	libs, _ := f.ImportedLibraries()
	assert.Empty(t, libs, "should need no shared library")
	f.Close()

	root := t.TempDir()
	require.NoError(t, os.Chmod(root, 0o755))
	copyFile(t, bin, filepath.Join(root, "fakeapi"))
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	require.Len(t, entries, 1, "the root holds the binary alone")

	p := startProcess(t, exec.Command(chroot, "--userspec=65532:65532", root, "/fakeapi", "-addr", "127.0.0.1:0"))
	resp, err := http.Get(p.base + "/_fakeapi/health")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Get(p.base + "/iijmio/mobile/d/v2/coupon/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "embedded fixtures should serve IIJmio's own 403 without credentials")

	port := p.base[strings.LastIndex(p.base, ":")+1:]
	out, err := exec.Command(chroot, "--userspec=65532:65532", root, "/fakeapi", "healthcheck", "-addr", ":"+port).CombinedOutput()
	require.NoError(t, err, "HEALTHCHECK command: %s", out)
	assert.Equal(t, "ok\n", string(out))

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	assert.NoError(t, p.wait(t, 10*time.Second))
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	require.NoError(t, err)
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(t, err)
	_, err = io.Copy(out, in)
	require.NoError(t, err)
	require.NoError(t, out.Close())
}
