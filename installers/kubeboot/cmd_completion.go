package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// completionWords maps "command" and "command sub" to the words that may
// follow: subcommands and --flags. It learns the flags by running each
// command with flag collection on, so the scripts never fall out of step
// with the flags the commands really take.
func completionWords(ctx context.Context) (commands []string, words map[string][]string) {
	words = map[string][]string{}
	subs := map[string][]string{
		"install":    {"kubectl"},
		"kubeconfig": {"import", "path", "token"},
		"completion": {"bash", "zsh", "fish", "powershell"},
	}
	for _, c := range commandList() {
		commands = append(commands, c.name)
		collect := func(key string, args []string) {
			a := &app{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }, flagSets: map[string]*flag.FlagSet{}}
			_ = c.run(ctx, a, args)
			for _, fs := range a.flagSets {
				fs.VisitAll(func(f *flag.Flag) { words[key] = append(words[key], "--"+f.Name) })
			}
			sort.Strings(words[key])
		}
		if c.name == "kubeconfig" {
			for _, sub := range subs[c.name] {
				collect(c.name+" "+sub, []string{sub})
			}
			words[c.name] = subs[c.name]
			continue
		}
		collect(c.name, nil)
		words[c.name] = append(subs[c.name], words[c.name]...)
	}
	return commands, words
}

func runCompletion(ctx context.Context, a *app, args []string) error {
	c := findCommand("completion")
	pos, err := a.parseFlags(c, newFlags("completion"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("name a shell: kubeboot completion bash|zsh|fish|powershell")
	}
	commands, words := completionWords(ctx)
	switch pos[0] {
	case "bash":
		writeBash(a.stdout, commands, words)
	case "zsh":
		fmt.Fprintln(a.stdout, "#compdef kubeboot\nautoload -U +X bashcompinit && bashcompinit")
		writeBash(a.stdout, commands, words)
	case "fish":
		writeFish(a.stdout, commands, words)
	case "powershell":
		writePowerShell(a.stdout, commands, words)
	default:
		return usageErrorf("unknown shell %q%s", pos[0], didYouMean(pos[0], []string{"bash", "zsh", "fish", "powershell"}))
	}
	return nil
}

func sortedKeys(m map[string][]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func writeBash(w io.Writer, commands []string, words map[string][]string) {
	fmt.Fprintf(w, `# kubeboot completion for bash; load with: source <(kubeboot completion bash)
_kubeboot() {
	local cur=${COMP_WORDS[COMP_CWORD]} words=
	if [ "$COMP_CWORD" -eq 1 ]; then
		words=%q
	else
		case "${COMP_WORDS[1]} ${COMP_WORDS[2]}" in
`, strings.Join(commands, " "))
	// "kubeconfig import" must come before "kubeconfig *": case takes the
	// first pattern that matches.
	keys := sortedKeys(words)
	sort.SliceStable(keys, func(i, j int) bool { return strings.Contains(keys[i], " ") && !strings.Contains(keys[j], " ") })
	for _, k := range keys {
		pattern := fmt.Sprintf("%q", k+" ") + "*" // the glob outside the quotes
		if strings.Contains(k, " ") {
			pattern = fmt.Sprintf("%q", k)
		}
		fmt.Fprintf(w, "\t\t%s) words=%q ;;\n", pattern, strings.Join(words[k], " "))
	}
	fmt.Fprint(w, `		esac
	fi
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _kubeboot kubeboot
`)
}

func writeFish(w io.Writer, commands []string, words map[string][]string) {
	fmt.Fprintln(w, "# kubeboot completion for fish; load with: kubeboot completion fish | source")
	fmt.Fprintf(w, "complete -c kubeboot -f -n __fish_use_subcommand -a %q\n", strings.Join(commands, " "))
	for _, k := range sortedKeys(words) {
		cmd, sub, hasSub := strings.Cut(k, " ")
		cond := "__fish_seen_subcommand_from " + cmd
		if hasSub {
			cond += "; and __fish_seen_subcommand_from " + sub
		}
		for _, word := range words[k] {
			if name, ok := strings.CutPrefix(word, "--"); ok {
				fmt.Fprintf(w, "complete -c kubeboot -n %q -l %s\n", cond, name)
			} else {
				fmt.Fprintf(w, "complete -c kubeboot -f -n %q -a %s\n", cond, word)
			}
		}
	}
}

func writePowerShell(w io.Writer, commands []string, words map[string][]string) {
	fmt.Fprintln(w, "# kubeboot completion for PowerShell; load with: kubeboot completion powershell | Out-String | Invoke-Expression")
	fmt.Fprintln(w, "$kubebootWords = @{")
	fmt.Fprintf(w, "    '' = @(%s)\n", psList(commands))
	for _, k := range sortedKeys(words) {
		fmt.Fprintf(w, "    '%s' = @(%s)\n", k, psList(words[k]))
	}
	fmt.Fprint(w, `}
Register-ArgumentCompleter -Native -CommandName kubeboot -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $elements = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
    if ($wordToComplete) { $elements = @($elements | Select-Object -SkipLast 1) }
    $key = ($elements | Select-Object -First 2) -join ' '
    if (-not $kubebootWords.ContainsKey($key)) { $key = ($elements | Select-Object -First 1) -join ' ' }
    $kubebootWords[$key] | Where-Object { $_ -like "$wordToComplete*" } |
        ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
}
`)
}

func psList(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = "'" + w + "'"
	}
	return strings.Join(quoted, ", ")
}
