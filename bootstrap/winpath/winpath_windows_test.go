package winpath

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/windows/registry"
)

// scratchKey returns a fresh key under HKCU for one test, so that the
// tests never touch the real user Path, and deletes it afterwards.
func scratchKey(t *testing.T) string {
	t.Helper()
	parent := fmt.Sprintf(`Software\kubeboot-test-%d-%d`, os.Getpid(), time.Now().UnixNano())
	sub := parent + `\Environment`
	k, _, err := registry.CreateKey(registry.CURRENT_USER, sub, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	k.Close()
	t.Cleanup(func() {
		registry.DeleteKey(registry.CURRENT_USER, sub)
		registry.DeleteKey(registry.CURRENT_USER, parent)
	})
	return sub
}

func readPath(t *testing.T, sub string) (string, uint32) {
	t.Helper()
	k, err := registry.OpenKey(registry.CURRENT_USER, sub, registry.QUERY_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	v, typ, err := k.GetStringValue("Path")
	if err != nil {
		t.Fatal(err)
	}
	return v, typ
}

func setValue(t *testing.T, sub string, set func(registry.Key) error) {
	t.Helper()
	k, err := registry.OpenKey(registry.CURRENT_USER, sub, registry.SET_VALUE)
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	if err := set(k); err != nil {
		t.Fatal(err)
	}
}

func TestAddToPathKeepsExpandableType(t *testing.T) {
	sub := scratchKey(t)
	before := `%USERPROFILE%\go\bin;C:\Tools`
	setValue(t, sub, func(k registry.Key) error { return k.SetExpandStringValue("Path", before) })
	res, err := addToPath(registry.CURRENT_USER, sub, kubebootDir, testEnv)
	if err != nil {
		t.Fatal(err)
	}
	got, typ := readPath(t, sub)
	if want := before + ";" + kubebootDir; got != want || typ != registry.EXPAND_SZ || !res.Added || !res.Expandable {
		t.Fatalf("Path = %q (type %d), result %+v; want %q as REG_EXPAND_SZ", got, typ, res, want)
	}
	// A second run, with the folder written another way, adds nothing.
	res, err = addToPath(registry.CURRENT_USER, sub, strings.ToUpper(kubebootDir)+`\`, testEnv)
	if err != nil || res.Added {
		t.Fatalf("second add: %+v, %v; want nothing added", res, err)
	}
	if again, _ := readPath(t, sub); again != got {
		t.Fatalf("second add changed Path to %q", again)
	}
}

func TestAddToPathKeepsPlainString(t *testing.T) {
	sub := scratchKey(t)
	setValue(t, sub, func(k registry.Key) error { return k.SetStringValue("Path", `C:\Tools;`) })
	if _, err := addToPath(registry.CURRENT_USER, sub, `C:\Zoë Ann\bin`, testEnv); err != nil {
		t.Fatal(err)
	}
	if got, typ := readPath(t, sub); got != `C:\Tools;C:\Zoë Ann\bin` || typ != registry.SZ {
		t.Fatalf("Path = %q (type %d), want REG_SZ kept", got, typ)
	}
}

func TestAddToPathFindsVariableForm(t *testing.T) {
	sub := scratchKey(t)
	setValue(t, sub, func(k registry.Key) error {
		return k.SetExpandStringValue("Path", `%LOCALAPPDATA%\Programs\kubeboot\bin`)
	})
	res, err := addToPath(registry.CURRENT_USER, sub, kubebootDir, testEnv)
	if err != nil || res.Added {
		t.Fatalf("add: %+v, %v; want nothing added", res, err)
	}
}

func TestAddToPathCreatesMissingValue(t *testing.T) {
	sub := scratchKey(t)
	res, err := addToPath(registry.CURRENT_USER, sub, kubebootDir, testEnv)
	if err != nil || !res.Added {
		t.Fatalf("add: %+v, %v", res, err)
	}
	if got, typ := readPath(t, sub); got != kubebootDir || typ != registry.EXPAND_SZ {
		t.Fatalf("Path = %q (type %d)", got, typ)
	}
}

func TestAddToPathRefusesWhatItCannotRead(t *testing.T) {
	sub := scratchKey(t)
	setValue(t, sub, func(k registry.Key) error { return k.SetDWordValue("Path", 7) })
	if _, err := addToPath(registry.CURRENT_USER, sub, kubebootDir, testEnv); !errors.Is(err, ErrRefused) {
		t.Fatalf("add over a REG_DWORD Path: %v, want ErrRefused", err)
	}
	k, _ := registry.OpenKey(registry.CURRENT_USER, sub, registry.QUERY_VALUE)
	defer k.Close()
	if v, _, err := k.GetIntegerValue("Path"); err != nil || v != 7 {
		t.Fatalf("Path changed: %v, %v", v, err)
	}
}

func TestAddToPathRefusesTooLong(t *testing.T) {
	sub := scratchKey(t)
	long := strings.Repeat(`C:\x;`, MaxLen/5)
	setValue(t, sub, func(k registry.Key) error { return k.SetExpandStringValue("Path", long) })
	if _, err := addToPath(registry.CURRENT_USER, sub, kubebootDir, testEnv); !errors.Is(err, ErrTooLong) {
		t.Fatalf("add: %v, want ErrTooLong", err)
	}
	if got, _ := readPath(t, sub); got != long {
		t.Fatal("Path changed")
	}
}

func TestBroadcastReturns(t *testing.T) {
	done := make(chan error, 1)
	go func() { done <- broadcastEnvironmentChange() }()
	select {
	case err := <-done:
		t.Logf("broadcast: %v", err) // no windows to tell on a headless machine
	case <-time.After(20 * time.Second):
		t.Fatal("broadcast did not return")
	}
}

// The user Path entry goes only when AddToUserPath's record says kubeboot
// added it; every other byte of the value, and its type, stay.
func TestRemoveFromPathOnlyWhatWasAdded(t *testing.T) {
	sub := scratchKey(t)
	rec := sub + `\record`
	dir := `C:\Users\Zoë\AppData\Local\Programs\kubeboot\bin`
	before := `%USERPROFILE%\go\bin;` + dir + `;C:\[x] é`
	setValue(t, sub, func(k registry.Key) error { return k.SetExpandStringValue("Path", before) })
	if added(registry.CURRENT_USER, rec, dir) {
		t.Fatal("recorded before anything was added")
	}
	if err := setAdded(registry.CURRENT_USER, rec, dir, true); err != nil {
		t.Fatal(err)
	}
	if !added(registry.CURRENT_USER, rec, strings.ToUpper(dir)+`\`) {
		t.Error("the record does not compare folders as Windows does")
	}
	res, err := removeFromPath(registry.CURRENT_USER, sub, dir, os.Getenv)
	if err != nil || !res.Removed {
		t.Fatalf("removeFromPath: %+v, %v", res, err)
	}
	v, typ := readPath(t, sub)
	if v != `%USERPROFILE%\go\bin;C:\[x] é` || typ != registry.EXPAND_SZ {
		t.Errorf("Path = %q (type %d)", v, typ)
	}
	setAdded(registry.CURRENT_USER, rec, dir, false)
	if added(registry.CURRENT_USER, rec, dir) {
		t.Error("the record outlives the removal")
	}
	registry.DeleteKey(registry.CURRENT_USER, rec)
}
