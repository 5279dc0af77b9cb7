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
	_ = setAdded(registry.CURRENT_USER, recordKey, dir, true) // without it, uninstall only leaves the entry
	res.BroadcastErr = broadcastEnvironmentChange()
	return res, nil
}

// recordKey holds, in the value recordValue (REG_MULTI_SZ), the folders
// AddToUserPath added to the user Path: the proof RemoveFromUserPath
// needs that kubeboot, not the user, put an entry there.
const (
	recordKey   = `Software\kubeboot`
	recordValue = "UserPathAdded"
)

// AddedByKubeboot reports whether AddToUserPath added dir to the user Path
// (and it was not removed since by RemoveFromUserPath).
func AddedByKubeboot(dir string) bool {
	return added(registry.CURRENT_USER, recordKey, dir)
}

// RemoveFromUserPath removes dir's entries from the user Path, only when
// AddToUserPath added it; every other byte of the value stays, and its
// type. It writes nothing when the value is not text (ErrRefused).
func RemoveFromUserPath(dir string) (*Result, error) {
	if !AddedByKubeboot(dir) {
		return &Result{Dir: dir}, nil
	}
	res, err := removeFromPath(registry.CURRENT_USER, envKey, dir, os.Getenv)
	if err != nil {
		return nil, err
	}
	_ = setAdded(registry.CURRENT_USER, recordKey, dir, false)
	if res.Removed {
		res.BroadcastErr = broadcastEnvironmentChange()
	}
	return res, nil
}

func added(root registry.Key, subkey, dir string) bool {
	k, err := registry.OpenKey(root, subkey, registry.QUERY_VALUE)
	if err != nil {
		return false
	}
	defer k.Close()
	list, _, err := k.GetStringsValue(recordValue)
	if err != nil {
		return false
	}
	for _, d := range list {
		if normalize(d, nil) == normalize(dir, nil) {
			return true
		}
	}
	return false
}

func setAdded(root registry.Key, subkey, dir string, on bool) error {
	k, _, err := registry.CreateKey(root, subkey, registry.QUERY_VALUE|registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	list, _, _ := k.GetStringsValue(recordValue)
	var out []string
	for _, d := range list {
		if normalize(d, nil) != normalize(dir, nil) {
			out = append(out, d)
		}
	}
	if on {
		out = append(out, dir)
	}
	if len(out) == 0 {
		return k.DeleteValue(recordValue)
	}
	return k.SetStringsValue(recordValue, out)
}

// removeFromPath does RemoveFromUserPath's edit on any key, for tests.
func removeFromPath(root registry.Key, subkey, dir string, getenv func(string) string) (*Result, error) {
	k, err := registry.OpenKey(root, subkey, registry.QUERY_VALUE|registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return &Result{Dir: dir}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open HKCU\\%s: %w", subkey, err)
	}
	defer k.Close()
	old, typ, err := k.GetStringValue("Path")
	if errors.Is(err, registry.ErrNotExist) {
		return &Result{Dir: dir}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: cannot read HKCU\\%s\\Path as text (%v)", ErrRefused, subkey, err)
	}
	res := &Result{Dir: dir, Before: old, After: old, Expandable: typ == registry.EXPAND_SZ}
	updated, removed := Remove(old, dir, getenv)
	if !removed {
		return res, nil
	}
	if err := checkShrink(old, updated, dir, getenv); err != nil {
		return nil, fmt.Errorf("remove %s from HKCU\\%s\\Path: %w", dir, subkey, err)
	}
	if res.Expandable {
		err = k.SetExpandStringValue("Path", updated)
	} else {
		err = k.SetStringValue("Path", updated)
	}
	if err != nil {
		return nil, fmt.Errorf("write HKCU\\%s\\Path: %w", subkey, err)
	}
	res.After, res.Removed = updated, true
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
