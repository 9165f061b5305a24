package owner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrLocked means another process holds the lock; [LockedError] says which.
var ErrLocked = errors.New("locked by another process")

// LockedError is a lock held by another process.
type LockedError struct {
	Path string
	PID  int    // as the holder wrote it (its own pid namespace's number); 0 if unknown
	Role string // what the holder does, as it wrote it ("up", "reap", ...)
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is held by pid %d", e.Path, e.PID)
}

func (e *LockedError) Unwrap() error { return ErrLocked }

// Lock is an exclusive lock on a file that the kernel releases when its
// holder dies, however it dies (kill -9 included), and that every process
// that sees the same file sees, whatever its pid namespace. Its holder
// writes its pid into the file, for the message of whoever finds it held.
type Lock struct {
	path  string
	f     *os.File
	ident string // "dev:ino" of the locked file
}

// TryLock takes the lock on path without waiting: a *LockedError when
// another process holds it. The directory is made if need be.
func TryLock(path string) (*Lock, error) { return TryLockAs(path, "") }

// TryLockAs is TryLock that writes role (what the holder does) beside its
// pid, for whoever finds the lock held.
func TryLockAs(path, role string) (*Lock, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if err := tryLock(f); err != nil {
			f.Close()
			if errors.Is(err, ErrLocked) {
				pid, holder := readHolder(path)
				return nil, &LockedError{Path: path, PID: pid, Role: holder}
			}
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		// A holder that removed the file (Unlock with remove) between our
		// open and our lock leaves us holding a lock nobody else sees:
		// take the file that is there now instead.
		ident, same := sameFile(f, path)
		if !same {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+" "+role+"\n"), 0)
		}
		return &Lock{path: path, f: f, ident: ident}, nil
	}
	return nil, fmt.Errorf("lock %s: the file keeps being replaced", path)
}

// Ident names the locked file ("dev:ino", "" where unknown): an owner label
// carries it, so that whoever checks the owner's liveness knows whether it
// sees the same file.
func (l *Lock) Ident() string { return l.ident }

// Unlock releases the lock; with remove it first removes the file (only a
// holder may, so no one else holds a lock on a file that is gone).
func (l *Lock) Unlock(remove bool) error {
	if l == nil || l.f == nil {
		return nil
	}
	if remove {
		os.Remove(l.path)
	}
	err := l.f.Close() // closing releases the lock
	l.f = nil
	return err
}

func readHolder(path string) (int, string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, ""
	}
	pidText, role, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	pid, _ := strconv.Atoi(pidText)
	return pid, role
}
