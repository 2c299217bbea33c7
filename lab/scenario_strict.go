package lab

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// DecodeStrict decodes n into v like n.Decode(v), but first rejects every
// mapping key v has no field for, with its line and a "did you mean"
// suggestion; type errors keep their lines too. Engines use it in
// ValidateConfig so their config is as strict as the rest of the file.
// The returned error is an ErrorList with paths relative to n.
func DecodeStrict(n *yaml.Node, v any) error {
	var errs ErrorList
	unknownFields(n, reflect.TypeOf(v), "", 0, &errs)
	if len(errs) > 0 {
		return errs
	}
	if err := n.Decode(v); err != nil {
		var typeErr *yaml.TypeError
		if !errors.As(err, &typeErr) {
			return ErrorList{{Line: n.Line, Msg: err.Error()}}
		}
		for _, text := range typeErr.Errors {
			line := n.Line
			if rest, ok := strings.CutPrefix(text, "line "); ok {
				var l int
				if _, scanErr := fmt.Sscanf(rest, "%d", &l); scanErr == nil {
					line = l
					_, text, _ = strings.Cut(rest, ": ")
				}
			}
			errs = append(errs, &Error{Line: line, Msg: text})
		}
		return errs
	}
	return nil
}

// strictDepthMax bounds the walk: yaml.v3 lets an anchored node contain
// an alias to itself.
const strictDepthMax = 32

func unknownFields(n *yaml.Node, t reflect.Type, path string, depth int, errs *ErrorList) {
	n = deref(n)
	if n == nil || t == nil || depth > strictDepthMax {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		fieldTypes := map[string]reflect.Type{}
		var names []string
		if structFields(t, fieldTypes, &names) {
			return // an inline map takes every other key
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := deref(n.Content[i])
			if key == nil || key.Kind != yaml.ScalarNode || key.ShortTag() == "!!merge" {
				continue // yaml.v3's own decoding judges merges and odd keys
			}
			ft, ok := fieldTypes[key.Value]
			if !ok {
				*errs = append(*errs, &Error{Line: key.Line, Path: path,
					Msg: fmt.Sprintf("unknown field %q%s", key.Value, suggest(key.Value, names))})
				continue
			}
			unknownFields(n.Content[i+1], ft, joinPath(path, key.Value), depth+1, errs)
		}
	case (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && n.Kind == yaml.SequenceNode:
		for i, item := range n.Content {
			unknownFields(item, t.Elem(), index(path, i), depth+1, errs)
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			unknownFields(n.Content[i+1], t.Elem(), joinPath(path, n.Content[i].Value), depth+1, errs)
		}
	}
}

// structFields lists the YAML keys of struct type t the way yaml.v3 names
// them: the tag's name, or the lowercased field name; inline fields
// contribute their own. It reports whether an inline map accepts any key.
func structFields(t reflect.Type, types map[string]reflect.Type, names *[]string) (anyKey bool) {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, options, _ := strings.Cut(tag, ",")
		if strings.Contains(","+options+",", ",inline,") {
			ft := sf.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			switch ft.Kind() {
			case reflect.Struct:
				anyKey = structFields(ft, types, names) || anyKey
			case reflect.Map:
				anyKey = true
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(sf.Name)
		}
		types[name] = sf.Type
		*names = append(*names, name)
	}
	return anyKey
}
