package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// buildLabelled builds a tiny image FROM scratch with the project's label,
// tagged or not, and returns its ID.
func buildLabelled(t *testing.T, cli *client.Client, project, tag, body string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, content := range map[string]string{"Dockerfile": "FROM scratch\nCOPY f /f\n", "f": body} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, content)
	}
	tw.Close()
	ctx := context.Background()
	o := client.ImageBuildOptions{Remove: true, ForceRemove: true, Labels: map[string]string{"testbed.project": project}}
	if tag != "" {
		o.Tags = []string{tag}
	}
	res, err := cli.ImageBuild(ctx, &buf, o)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	id := ""
	dec := json.NewDecoder(res.Body)
	for {
		var msg struct {
			Error string `json:"error"`
			Aux   struct {
				ID string `json:"ID"`
			} `json:"aux"`
		}
		if err := dec.Decode(&msg); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if msg.Error != "" {
			t.Fatalf("build: %s", msg.Error)
		}
		if msg.Aux.ID != "" {
			id = msg.Aux.ID
		}
	}
	if id == "" {
		t.Fatal("build gave no image ID")
	}
	t.Cleanup(func() {
		if _, err := cli.ImageRemove(ctx, id, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
			t.Errorf("remove image %s: %v", id, err)
		}
	})
	return id
}

// clean removes the project's images by ID, untagged ones too, and says
// which it removed.
func TestCleanRemovesUntaggedImages(t *testing.T) {
	b := newBed(t)
	untagged := buildLabelled(t, b.cli, b.project, "", "untagged "+b.project)
	tag := "testbed/e2e-rmi-" + b.project + ":1"
	tagged := buildLabelled(t, b.cli, b.project, tag, "tagged "+b.project)

	r := b.run("clean").must(t, "clean")
	short := strings.TrimPrefix(untagged, "sha256:")[:12]
	for _, want := range []string{"removed image untagged " + short, "removed image " + tag} {
		if !strings.Contains(r.err, want) {
			t.Errorf("clean does not say %q:\n%s", want, r.err)
		}
	}
	for _, id := range []string{untagged, tagged} {
		if _, err := b.cli.ImageInspect(context.Background(), id); !cerrdefs.IsNotFound(err) {
			t.Errorf("image %s after clean: inspect = %v, want not found", id, err)
		}
	}
	again := b.run("down", "--rmi").must(t, "down --rmi again")
	if !strings.Contains(again.err, "no image of project") {
		t.Errorf("down --rmi with nothing left does not say so:\n%s", again.err)
	}
}
