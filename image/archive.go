package image

import (
	"archive/tar"
	"cmp"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
)

// binaryPath is where the binary sits in the image, and builtinUser whom
// it runs as (nobody); with no arguments it lists the kinds.
const (
	binaryPath  = "testbed"
	builtinUser = "65534:65534"
)

// BuiltinImage is the built-in server image as an image archive in the
// layout `docker save` writes and the engine's load call reads
// (manifest.json, the config, one layer tar): no build, no builder, no base
// image. The archive is made while it is written, reading the binary twice
// (once to hash, once to send) and never holding it in memory.
//
// Its tag's hash is the image ID, the SHA-256 of its config, which names
// the layer by its digest: the same binary and labels always make the same
// tag, and anything else another.
type BuiltinImage struct {
	binary    string
	size      int64 // of the binary
	layerSize int64 // of the layer tar
	config    []byte
	id        string // hex SHA-256 of config
	layerID   string // hex SHA-256 of the layer tar (its diff id)
}

// NewBuiltinImage describes the built-in image for a static testbed binary,
// with labels on the image.
func NewBuiltinImage(binary string, labels map[string]string) (*BuiltinImage, error) {
	f, err := os.Open(binary)
	if err != nil {
		return nil, fmt.Errorf("built-in image: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("built-in image: %w", err)
	}
	b := &BuiltinImage{binary: binary, size: info.Size()}
	h := sha256.New()
	n, err := b.writeLayer(h, f)
	if err != nil {
		return nil, fmt.Errorf("built-in image: hash %s: %w", binary, err)
	}
	b.layerSize, b.layerID = n, hex.EncodeToString(h.Sum(nil))
	if b.config, err = imageConfig(archOf(binary), "sha256:"+b.layerID, labels); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b.config)
	b.id = hex.EncodeToString(sum[:])
	return b, nil
}

// Hash is the image ID (hex), which the tag is made from.
func (b *BuiltinImage) Hash() string { return b.id }

// Tag is "testbed/builtin:<hash>".
func (b *BuiltinImage) Tag() string { return Tag(BuiltinName, b.id) }

// TagIn is the image's name in a registry's repository:
// "<repository>/builtin:<hash>", with the hash of Tag.
func (b *BuiltinImage) TagIn(repository string) string {
	return repository + "/" + BuiltinName + ":" + shortHash(b.id)
}

// WriteTo writes the image archive, tagged with Tag, to w.
func (b *BuiltinImage) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	if err := b.write(cw); err != nil {
		return cw.n, fmt.Errorf("built-in image archive: %w", err)
	}
	return cw.n, nil
}

func (b *BuiltinImage) write(w io.Writer) error {
	f, err := os.Open(b.binary)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(w)
	layerName := b.layerID + "/layer.tar"
	if err := tw.WriteHeader(tarEntry(b.layerID+"/", tar.TypeDir, 0o755, 0)); err != nil {
		return err
	}
	if err := tw.WriteHeader(tarEntry(layerName, tar.TypeReg, 0o644, b.layerSize)); err != nil {
		return err
	}
	h := sha256.New()
	n, err := b.writeLayer(io.MultiWriter(tw, h), f)
	if err != nil {
		return err
	}
	if n != b.layerSize || hex.EncodeToString(h.Sum(nil)) != b.layerID {
		return fmt.Errorf("%s changed since it was hashed", b.binary)
	}
	manifest, err := json.Marshal([]struct {
		Config   string
		RepoTags []string
		Layers   []string
	}{{Config: b.id + ".json", RepoTags: []string{b.Tag()}, Layers: []string{layerName}}})
	if err != nil {
		return err
	}
	for _, file := range []struct {
		name string
		body []byte
	}{{b.id + ".json", b.config}, {"manifest.json", manifest}} {
		if err := tw.WriteHeader(tarEntry(file.name, tar.TypeReg, 0o644, int64(len(file.body)))); err != nil {
			return err
		}
		if _, err := tw.Write(file.body); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writeLayer writes the layer tar, the binary as /testbed (0755, root), and
// returns its size.
func (b *BuiltinImage) writeLayer(w io.Writer, bin io.Reader) (int64, error) {
	cw := &countWriter{w: w}
	tw := tar.NewWriter(cw)
	if err := tw.WriteHeader(tarEntry(binaryPath, tar.TypeReg, 0o755, b.size)); err != nil {
		return 0, err
	}
	n, err := io.Copy(tw, bin)
	if err != nil {
		return 0, err
	}
	if n != b.size {
		return 0, fmt.Errorf("%s changed while being read (%d bytes, want %d)", b.binary, n, b.size)
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	return cw.n, nil
}

// tarEntry is a tar header with the fixed owner and time that make archives
// reproducible.
func tarEntry(name string, typ byte, mode int64, size int64) *tar.Header {
	return &tar.Header{Typeflag: typ, Name: name, Mode: mode, Size: size, ModTime: epoch, Format: tar.FormatPAX}
}

// imageConfig is the image's config (the OCI/Docker image JSON), with keys
// in a fixed order so that its digest depends on content only.
func imageConfig(arch, diffID string, labels map[string]string) ([]byte, error) {
	type runConfig struct {
		User       string            `json:"User"`
		Entrypoint []string          `json:"Entrypoint"`
		Cmd        []string          `json:"Cmd"`
		Labels     map[string]string `json:"Labels,omitempty"` // encoding/json sorts map keys
	}
	type history struct {
		Created   string `json:"created"`
		CreatedBy string `json:"created_by"`
	}
	created := epoch.Format("2006-01-02T15:04:05Z")
	cfg := struct {
		Architecture string    `json:"architecture"`
		OS           string    `json:"os"`
		Created      string    `json:"created"`
		Config       runConfig `json:"config"`
		RootFS       struct {
			Type    string   `json:"type"`
			DiffIDs []string `json:"diff_ids"`
		} `json:"rootfs"`
		History []history `json:"history"`
	}{
		Architecture: arch, OS: "linux", Created: created,
		Config:  runConfig{User: builtinUser, Entrypoint: []string{"/" + binaryPath}, Cmd: []string{"servers"}, Labels: labels},
		History: []history{{Created: created, CreatedBy: "testbed: its static binary as /" + binaryPath}},
	}
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = []string{diffID}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("built-in image config: %w", err)
	}
	return b, nil
}

// archOf is the image architecture of an ELF binary (GOARCH names), or this
// process's when the file does not say.
func archOf(binary string) string {
	f, err := elf.Open(binary)
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	return cmp.Or(elfArch(f), runtime.GOARCH)
}

// elfArch is the GOARCH name of f's machine, or "" for one testbed does
// not know.
func elfArch(f *elf.File) string {
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_386:
		return "386"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_PPC64:
		if f.ByteOrder == binary.LittleEndian {
			return "ppc64le"
		}
		return "ppc64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_RISCV:
		return "riscv64"
	}
	return ""
}

// Arches are the architectures (GOARCH names) the built-in image can be
// made for: the ones whose binaries testbed recognises.
func Arches() []string {
	return []string{"amd64", "arm64", "386", "arm", "ppc64le", "ppc64", "s390x", "riscv64"}
}

// countWriter counts what passes through.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
