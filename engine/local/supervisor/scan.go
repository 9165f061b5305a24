package supervisor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// Entry is one project with a supervisor record under a state base directory.
type Entry struct {
	Dir    string // the project's state directory
	Record *Record
	Alive  bool // the recorded process still runs
}

// Scan lists every project directory under base that holds a supervisor
// record, sorted by directory. A missing base is an empty list.
func Scan(base string) ([]Entry, error) {
	des, err := os.ReadDir(base)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scan %s: %w", base, err)
	}
	var out []Entry
	for _, de := range des {
		if !de.IsDir() {
			continue
		}
		dir := filepath.Join(base, de.Name())
		rec, err := ReadRecord(dir)
		if err != nil {
			continue
		}
		out = append(out, Entry{Dir: dir, Record: rec, Alive: rec.Alive()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dir < out[j].Dir })
	return out, nil
}
