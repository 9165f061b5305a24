package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, " ") }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }

// imageCmd writes a FROM-scratch image holding one static binary at
// /BASENAME (mode 0755, owned by root) with that binary as its entrypoint,
// as a docker-archive tarball ("docker save" layout) tagged REF.
func imageCmd(args []string) error {
	fs := flag.NewFlagSet("image", flag.ExitOnError)
	out := fs.String("o", "", "output tarball")
	ref := fs.String("ref", "", "image reference, e.g. testbed.local/pause:1")
	bin := fs.String("bin", "", "static binary to put at /BASENAME")
	var cmdArgs multi
	fs.Var(&cmdArgs, "arg", "an argument after the entrypoint (repeatable)")
	_ = fs.Parse(args)
	if *out == "" || *ref == "" || *bin == "" {
		return errors.New("-o, -ref and -bin are required")
	}
	tag, err := name.NewTag(*ref, name.WeakValidation)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*bin)
	if err != nil {
		return err
	}
	base := filepath.Base(*bin)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	epoch := time.Unix(0, 0)
	if err := tw.WriteHeader(&tar.Header{Name: base, Mode: 0o755, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerBytes)), nil
	})
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	cf.OS = "linux"
	cf.Architecture = runtime.GOARCH
	cf.Created = v1.Time{Time: epoch}
	cf.Config.Entrypoint = []string{"/" + base}
	cf.Config.Cmd = cmdArgs
	cf.Config.WorkingDir = "/"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return err
	}
	tmp := *out + ".tmp"
	if err := tarball.WriteToFile(tmp, tag, img); err != nil {
		return err
	}
	return os.Rename(tmp, *out)
}
