package procstate

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A live process is not exited; one that has exited and is not yet
// reaped is.
func TestExited(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc")
	}
	if Exited(os.Getpid()) {
		t.Errorf("this test process counts as exited")
	}
	cmd := exec.Command("sh", "-c", "exit 0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !Exited(cmd.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatalf("pid %d never counts as exited before it is reaped", cmd.Process.Pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Wait()
	if Exited(cmd.Process.Pid) {
		t.Errorf("a reaped pid counts as exited (not listed at all)")
	}
}

// A process whose first thread has exited (and shows as a zombie) while
// another thread still runs has not exited: the thread holds its files.
func TestLeaderGoneThreadsLeft(t *testing.T) {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		t.Skip("no /proc")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	// The first thread ends with pthread_exit; a second one sleeps on.
	cmd := exec.Command(py, "-c", `import ctypes, threading, time
threading.Thread(target=time.sleep, args=(2,)).start()
ctypes.CDLL(None).pthread_exit(None)`)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	deadline := time.Now().Add(10 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			t.Fatal(err)
		}
		if i := strings.LastIndexByte(string(stat), ')'); strings.HasPrefix(string(stat[i+1:]), " Z") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first thread never exited")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if Exited(pid) || !Exiting(pid) {
		t.Errorf("a process with a thread still running: exited %v, exiting %v; want false, true", Exited(pid), Exiting(pid))
	}
	for !Exited(pid) {
		if time.Now().After(deadline) {
			t.Fatal("the process never counts as exited once its last thread is gone")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
