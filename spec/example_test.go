package spec_test

import (
	"fmt"

	"github.com/testbed-dev/testbed/spec"
)

func ExampleParse() {
	src := []byte(`servers:
  web: {builtin: http}
  db: {image: example/db:1}
  app:
    image: example/app:1.2
    ports: [8080, 70000]
    depends_on: [web, db]
`)
	tb, err := spec.Parse(src, "testbed.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tb.Validate(nil))
	levels, _ := tb.Order()
	for i, level := range levels {
		fmt.Print("level ", i, ":")
		for _, s := range level {
			fmt.Print(" ", s.Name)
		}
		fmt.Println()
	}
	// Output:
	// testbed.yaml:6: server "app": field "ports[1]": port 70000 out of range 1-65535
	// level 0: web db
	// level 1: app
}
