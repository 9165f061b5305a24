package docker

import (
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/plan"
)

// projectFilter selects resources by the project label, and by owner when set.
func projectFilter(project, owner string) client.Filters {
	f := client.Filters{}
	if project != "" {
		f = f.Add("label", plan.LabelProject+"="+project)
	} else {
		f = f.Add("label", plan.LabelProject)
	}
	if owner != "" {
		f = f.Add("label", plan.LabelOwner+"="+owner)
	}
	return f
}
