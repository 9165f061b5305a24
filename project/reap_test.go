package project

import (
	"context"
	"slices"
	"testing"

	"github.com/testbed-dev/testbed/engine"
)

// listingDriver is a driver whose every-project listing is taken before an
// up kept project "late" (and so misses its marker), while the listing of
// one project is as it is now. It records what Remove was asked.
type listingDriver struct {
	engine.Driver
	removed []string
}

func (d *listingDriver) Name() string { return "fake" }

func (d *listingDriver) Resources(_ context.Context, project string) ([]engine.Resource, error) {
	dead := false
	all := []engine.Resource{
		{Kind: "container", Name: "late.web", Project: "late", Alive: &dead},
		{Kind: "container", Name: "gone.web", Project: "gone", Alive: &dead},
		{Kind: "container", Name: "other.web", Project: "other", Alive: &dead},
	}
	if project == "" {
		return all, nil
	}
	var out []engine.Resource
	for _, r := range all {
		if r.Project == project {
			out = append(out, r)
		}
	}
	if project == "late" {
		out = append(out, engine.Resource{Kind: "volume", Name: "late._kept", Project: "late", Kept: true})
	}
	return out, nil
}

func (d *listingDriver) Remove(_ context.Context, o engine.RemoveOptions) error {
	d.removed = append(d.removed, o.Project)
	return nil
}

// Reap judges each project from a listing read under the project's lock:
// a project kept after the first listing is spared.
func TestReapRereadsUnderTheLock(t *testing.T) {
	drv := &listingDriver{}
	c := &Core{drv: drv, o: Options{LockDir: t.TempDir(), StateDir: t.TempDir()}}
	reaped, err := c.Reap(context.Background(), ReapOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"gone", "other"}; !slices.Equal(drv.removed, want) {
		t.Errorf("reap removed %v, want %v", drv.removed, want)
	}
	if len(reaped) != 2 {
		t.Errorf("reap says it took %d projects, want 2: %+v", len(reaped), reaped)
	}
}

// Reap with Projects looks at those projects only.
func TestReapOnlyTheNamedProjects(t *testing.T) {
	drv := &listingDriver{}
	c := &Core{drv: drv, o: Options{LockDir: t.TempDir(), StateDir: t.TempDir()}}
	reaped, err := c.Reap(context.Background(), ReapOptions{Projects: []string{"gone", "late", "absent"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"gone"}; !slices.Equal(drv.removed, want) {
		t.Errorf("reap of gone, late and absent removed %v, want %v", drv.removed, want)
	}
	if len(reaped) != 1 || reaped[0].Project != "gone" || len(reaped[0].Resources) != 1 {
		t.Errorf("reap says %+v", reaped)
	}
}
