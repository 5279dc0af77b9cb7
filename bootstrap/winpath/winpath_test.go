package winpath

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string {
		for ek, v := range vars { // Windows variable names ignore case
			if strings.EqualFold(ek, k) {
				return v
			}
		}
		return ""
	}
}

var testEnv = env(map[string]string{
	"USERPROFILE":  `C:\Users\Zoë Ann`,
	"LOCALAPPDATA": `C:\Users\Zoë Ann\AppData\Local`,
	"SystemRoot":   `C:\Windows`,
})

const kubebootDir = `C:\Users\Zoë Ann\AppData\Local\Programs\kubeboot\bin`

func TestAppend(t *testing.T) {
	tests := []struct {
		name, list, dir string
		want            string
		added           bool
	}{
		{"empty value", "", kubebootDir, kubebootDir, true},
		{"blank value", "  ", kubebootDir, "  " + kubebootDir, true},
		{"appends at the end", `C:\Go\bin;%USERPROFILE%\go\bin`, kubebootDir, `C:\Go\bin;%USERPROFILE%\go\bin;` + kubebootDir, true},
		{"trailing separator kept single", `C:\Go\bin;`, kubebootDir, `C:\Go\bin;` + kubebootDir, true},
		{"empty entries kept as they are", `C:\a;;C:\b`, kubebootDir, `C:\a;;C:\b;` + kubebootDir, true},
		{"present exactly", `C:\a;` + kubebootDir, kubebootDir, `C:\a;` + kubebootDir, false},
		{"present in other case", `C:\a;` + strings.ToUpper(kubebootDir), kubebootDir, `C:\a;` + strings.ToUpper(kubebootDir), false},
		{"present with a trailing backslash", kubebootDir + `\;C:\a`, kubebootDir, kubebootDir + `\;C:\a`, false},
		{"present with forward slashes", `c:/users/zoë ann/appdata/local/programs/kubeboot/bin`, kubebootDir, `c:/users/zoë ann/appdata/local/programs/kubeboot/bin`, false},
		{"present quoted with spaces", ` "` + kubebootDir + `" ;C:\a`, kubebootDir, ` "` + kubebootDir + `" ;C:\a`, false},
		{"present as %LOCALAPPDATA%", `%LOCALAPPDATA%\Programs\kubeboot\bin;C:\a`, kubebootDir, `%LOCALAPPDATA%\Programs\kubeboot\bin;C:\a`, false},
		{"present as %localappdata% lower case", `%localappdata%\Programs\kubeboot\bin`, kubebootDir, `%localappdata%\Programs\kubeboot\bin`, false},
		{"asked with a variable, present expanded", kubebootDir, `%LOCALAPPDATA%\Programs\kubeboot\bin`, kubebootDir, false},
		{"a prefix is not a match", `C:\Users\Zoë Ann\AppData\Local\Programs\kubeboot`, kubebootDir, `C:\Users\Zoë Ann\AppData\Local\Programs\kubeboot;` + kubebootDir, true},
		{"unknown variable stays unexpanded", `%NOPE%\bin`, `C:\nope\bin`, `%NOPE%\bin;C:\nope\bin`, true},
		{"a folder with ; is quoted", `C:\a`, `C:\odd;name`, `C:\a;"C:\odd;name"`, true},
		{"quoted ; entry found", `"C:\odd;name";C:\a`, `C:\odd;name`, `"C:\odd;name";C:\a`, false},
		{"empty dir adds nothing", `C:\a`, " ", `C:\a`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, added := Append(tt.list, tt.dir, testEnv)
			if got != tt.want || added != tt.added {
				t.Errorf("Append(%q, %q) = %q, %v; want %q, %v", tt.list, tt.dir, got, added, tt.want, tt.added)
			}
			if added {
				if err := checkGrowth(tt.list, got); err != nil {
					t.Errorf("checkGrowth refused an append: %v", err)
				}
			}
		})
	}
}

func TestSplit(t *testing.T) {
	got := Split(` C:\a ;;"C:\b;c";%X%\d;`)
	want := []string{`C:\a`, `"C:\b;c"`, `%X%\d`}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Split = %q, want %q", got, want)
	}
}

func TestExpandEnv(t *testing.T) {
	for in, want := range map[string]string{
		`%SystemRoot%\system32`:      `C:\Windows\system32`,
		`%systemroot%;%USERPROFILE%`: `C:\Windows;C:\Users\Zoë Ann`,
		`100%`:                       `100%`,
		`%%SystemRoot%`:              `%C:\Windows`,
		`%NOPE%\%SystemRoot%`:        `%NOPE%\C:\Windows`,
		`%NOPE`:                      `%NOPE`,
		``:                           ``,
	} {
		if got := ExpandEnv(in, testEnv); got != want {
			t.Errorf("ExpandEnv(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheckGrowthNeverShortens(t *testing.T) {
	old := `C:\a;C:\b`
	for _, updated := range []string{``, `C:\a`, `C:\b;C:\a;C:\c`, `C:\a;C:\B;C:\c`} {
		if err := checkGrowth(old, updated); !errors.Is(err, ErrRefused) {
			t.Errorf("checkGrowth(%q, %q) = %v, want ErrRefused", old, updated, err)
		}
	}
	long := strings.Repeat("x", MaxLen-2)
	if err := checkGrowth(long, long+`;C:\a`); !errors.Is(err, ErrTooLong) {
		t.Errorf("checkGrowth past %d = %v, want ErrTooLong", MaxLen, err)
	}
	if err := checkGrowth(old, old+`;C:\c`); err != nil {
		t.Errorf("checkGrowth of an append = %v", err)
	}
}

func TestRemove(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"LOCALAPPDATA": `C:\Users\Zoë\AppData\Local`}[k]
	}
	dir := `C:\Users\Zoë\AppData\Local\Programs\kubeboot\bin`
	tests := []struct {
		list, want string
		removed    bool
	}{
		{`C:\Tools;` + dir + `;D:\bin`, `C:\Tools;D:\bin`, true},
		{dir + `;C:\Tools`, `C:\Tools`, true},
		{`C:\Tools;` + dir, `C:\Tools`, true},
		{`C:\Tools;` + dir + `;`, `C:\Tools;`, true},
		{dir, ``, true},
		{`C:\Tools; %LOCALAPPDATA%\Programs\kubeboot\bin\ ;D:\bin`, `C:\Tools;D:\bin`, true},
		{`C:\Tools;"` + strings.ToUpper(dir) + `";D:\bin`, `C:\Tools;D:\bin`, true},
		{`C:\Tools;"C:\a;b";` + dir + `;D:\[x] é`, `C:\Tools;"C:\a;b";D:\[x] é`, true},
		{`C:\Tools;;D:\bin`, `C:\Tools;;D:\bin`, false},
		{`C:\Tools;` + dir + `\sub`, `C:\Tools;` + dir + `\sub`, false},
		{``, ``, false},
	}
	for _, tt := range tests {
		got, removed := Remove(tt.list, dir, env)
		if got != tt.want || removed != tt.removed {
			t.Errorf("Remove(%q) = %q, %v; want %q, %v", tt.list, got, removed, tt.want, tt.removed)
		}
		if removed && checkShrink(tt.list, got, dir, env) != nil {
			t.Errorf("checkShrink refuses Remove's own result for %q", tt.list)
		}
	}
	// A value that lost anything else is refused.
	if err := checkShrink(`C:\Tools;`+dir+`;D:\bin`, `C:\Tools`, dir, env); !errors.Is(err, ErrRefused) {
		t.Errorf("checkShrink of a truncated value: %v", err)
	}
}
