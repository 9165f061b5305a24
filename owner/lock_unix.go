//go:build unix

package owner

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

func tryLock(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}

// sameFile reports whether f is still the file at path, and its ident.
func sameFile(f *os.File, path string) (string, bool) {
	var a, b syscall.Stat_t
	if err := syscall.Fstat(int(f.Fd()), &a); err != nil {
		return "", false
	}
	if err := syscall.Stat(path, &b); err != nil {
		return "", false
	}
	return fmt.Sprintf("%d:%d", a.Dev, a.Ino), a.Dev == b.Dev && a.Ino == b.Ino
}
