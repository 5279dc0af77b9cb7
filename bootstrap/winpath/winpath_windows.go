package winpath

import (
	"errors"
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const envKey = `Environment` // under HKEY_CURRENT_USER

// AddToUserPath adds dir to the user's Path in HKCU\Environment, unless it
// is there already (compared after expanding %VARIABLES%), keeping the
// value's type, and broadcasts WM_SETTINGCHANGE so that new terminals see
// it. It never touches the machine Path. It writes nothing when the value
// cannot be read as a string (ErrRefused) or would grow too long
// (ErrTooLong).
func AddToUserPath(dir string) (*Result, error) {
	res, err := addToPath(registry.CURRENT_USER, envKey, dir, os.Getenv)
	if err != nil || !res.Added {
		return res, err
	}
	res.BroadcastErr = broadcastEnvironmentChange()
	return res, nil
}

// UserPath returns the raw user Path and whether it is REG_EXPAND_SZ.
func UserPath() (value string, expandable bool, err error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, envKey, registry.QUERY_VALUE)
	if err != nil {
		return "", false, err
	}
	defer k.Close()
	v, typ, err := k.GetStringValue("Path")
	return v, typ == registry.EXPAND_SZ, err
}

// addToPath does AddToUserPath's work on any key, for tests.
func addToPath(root registry.Key, subkey, dir string, getenv func(string) string) (*Result, error) {
	k, _, err := registry.CreateKey(root, subkey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return nil, fmt.Errorf("open HKCU\\%s: %w", subkey, err)
	}
	defer k.Close()
	res := &Result{Dir: dir, Expandable: true}
	old, typ, err := k.GetStringValue("Path")
	switch {
	case errors.Is(err, registry.ErrNotExist):
		// No user Path yet: create one, expandable as Windows makes it.
	case err != nil:
		return nil, fmt.Errorf("%w: cannot read HKCU\\%s\\Path as text (%v)", ErrRefused, subkey, err)
	default:
		res.Expandable = typ == registry.EXPAND_SZ
	}
	res.Before, res.After = old, old
	updated, added := Append(old, dir, getenv)
	if !added {
		return res, nil
	}
	if err := checkGrowth(old, updated); err != nil {
		return nil, fmt.Errorf("add %s to HKCU\\%s\\Path: %w", dir, subkey, err)
	}
	if res.Expandable {
		err = k.SetExpandStringValue("Path", updated)
	} else {
		err = k.SetStringValue("Path", updated)
	}
	if err != nil {
		return nil, fmt.Errorf("write HKCU\\%s\\Path: %w", subkey, err)
	}
	res.After, res.Added = updated, true
	return res, nil
}

var procSendMessageTimeoutW = windows.NewLazySystemDLL("user32.dll").NewProc("SendMessageTimeoutW")

// broadcastEnvironmentChange tells top-level windows (Explorer above all,
// which starts new terminals) that the environment changed, waiting at
// most 5 s for programs that do not answer.
func broadcastEnvironmentChange() error {
	const (
		hwndBroadcast    = 0xffff
		wmSettingChange  = 0x001A
		smtoAbortIfHung  = 0x0002
		timeoutMillisecs = 5000
	)
	if err := procSendMessageTimeoutW.Find(); err != nil {
		return err
	}
	name, _ := windows.UTF16PtrFromString("Environment")
	var result uintptr
	r, _, err := procSendMessageTimeoutW.Call(hwndBroadcast, wmSettingChange, 0,
		uintptr(unsafe.Pointer(name)), smtoAbortIfHung, timeoutMillisecs, uintptr(unsafe.Pointer(&result)))
	if r == 0 {
		return fmt.Errorf("broadcast WM_SETTINGCHANGE: %w", err)
	}
	return nil
}
