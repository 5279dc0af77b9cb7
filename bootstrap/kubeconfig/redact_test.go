package kubeconfig

import (
	"strings"
	"testing"
)

// Every value the YAML or JSON parser quotes is hidden: single-quoted
// text, anchor and alias names, Go-syntax values, duplicate keys.
func TestParseErrorsHideQuotedValues(t *testing.T) {
	const secret = "hunter2xyz"
	for _, in := range []string{
		"users:\n- name: a\n  user:\n    password: *hunter2xyz\n",
		"users:\n- name: a\n  user:\n    password: *hunter2xyz.x\n",
		"users:\n- name: a\n  user:\n    password: 'hunter2xyz\n",
		"users:\n- name: a\n  user:\n    password: \"hunter2xyz\n",
		"users:\n- name: a\n  user: {password: hunter2xyz\n",
		"users:\n- name: a\n  user:\n    [hunter2xyz]: x\n",
		"users:\n- name: a\n  user:\n    {hunter2xyz: 1}: x\n",
		"users:\n- name: a\n  user:\n    password: !!int hunter2xyz\n",
		"users:\n- name: a\n  user:\n    password: !!float hunter2xyz\n",
		"users:\n- name: a\n  user:\n    password: !!binary hunter2xyz\n",
		"users:\n- name: a\n  user:\n    password: !<hunter2xyz> x\n",
		"users:\n- name: a\n  user:\n    password: !hunter2xyz! x\n",
		"%TAG !hunter2xyz! tag:x\n%TAG !hunter2xyz! tag:y\n---\na: b\n",
		"users:\n- name: a\n  user:\n    password: &hunter2xyz [*hunter2xyz]\n",
		"users:\n- name: a\n  user:\n    token: x\n    123456: a\n    123456: b\n",
		"users:\n- name: a\n  user:\n    hunter2xyz: 1\n    hunter2xyz: 2\n",
		"{\"users\": [{\"name\": \"a\", \"user\": {\"password\": \"hunter2xyz\"}}]]",
		"{\"users\": [{\"name\": \"a\", \"user\": {\"password\": hunter2xyz}}]}",
		"users:\n- name: a\n  user:\n    password: hunter2xyz\n   bad: x\n",
		"users:\n- name: a\n  user:\n    password: hunter2xyz: x\n",
	} {
		_, err := Parse([]byte(in), "config")
		if err == nil {
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || strings.Contains(msg, "123456") {
			t.Errorf("the error quotes a value:\n  input %q\n  error %s", in, msg)
		}
		if !strings.Contains(msg, "invalid YAML") && !strings.Contains(msg, "config") {
			t.Errorf("the error lost its meaning: %s", msg)
		}
	}
}
