package kubeconfig

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// DecodeBody stores the fields of an entry body (a context, cluster or
// user, or any mapping inside one) in v, a pointer to a struct, as kubectl
// reads them: a key matches a field only when it is spelled exactly as the
// field's json tag. encoding/json alone also matches "Token", "TOKEN" or a
// Unicode case fold ("uſer" for "user"), which kubectl ignores, so every
// read of a body goes through here. Nested structs, pointers to them and
// slices of them are matched the same way; other types (strings, bools,
// []byte, maps) decode as with encoding/json. A nil body leaves v as it is.
func DecodeBody(body json.RawMessage, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("kubeconfig: DecodeBody needs a non-nil pointer")
	}
	if len(body) == 0 {
		return nil
	}
	return decodeExact(body, rv.Elem())
}

func decodeExact(raw json.RawMessage, v reflect.Value) error {
	t := v.Type()
	switch {
	case t.Kind() == reflect.Pointer && hasStruct(t.Elem()):
		if isNull(raw) {
			v.SetZero()
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(t.Elem()))
		}
		return decodeExact(raw, v.Elem())
	case t.Kind() == reflect.Slice && hasStruct(t.Elem()):
		if isNull(raw) {
			v.SetZero()
			return nil
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return err
		}
		s := reflect.MakeSlice(t, len(items), len(items))
		for i, item := range items {
			if err := decodeExact(item, s.Index(i)); err != nil {
				return err
			}
		}
		v.Set(s)
		return nil
	case t.Kind() == reflect.Struct:
		if isNull(raw) {
			return nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		return decodeFields(m, v)
	}
	return json.Unmarshal(raw, v.Addr().Interface())
}

// decodeFields fills the exported fields of struct v from m, by exact key.
func decodeFields(m map[string]json.RawMessage, v reflect.Value) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" && f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := decodeFields(m, v.Field(i)); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		raw, ok := m[name]
		if !ok {
			continue
		}
		if err := decodeExact(raw, v.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

// hasStruct reports whether t is a struct or a pointer to one: the types
// decodeExact matches key by key.
func hasStruct(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}
