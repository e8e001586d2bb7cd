package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Strict decoding of request bodies. Each member of the JSON object is
// decoded into its field on its own, so that every error names the field
// at fault, whatever kind of error it is (a wrong type, a time that does
// not parse), and a member the request type does not have is an error
// rather than silently dropped.

// bodyError is a request body that is not a JSON object at all: no field
// is at fault.
type bodyError struct{ msg string }

func (e *bodyError) Error() string { return e.msg }

// memberError is a member of the body's object that is wrong.
type memberError struct {
	field, msg string
}

func (e *memberError) Error() string { return e.field + ": " + e.msg }

// decodeStrict decodes the JSON object in r into v, a pointer to a struct
// of plain fields (request types have no embedded structs). An empty body
// leaves v as it is. Errors are *bodyError, *memberError or the reader's
// own (such as *http.MaxBytesError).
func decodeStrict(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	var members map[string]json.RawMessage
	if err := dec.Decode(&members); err != nil {
		return objectError(err)
	}
	if err := expectEnd(dec); err != nil {
		return err
	}
	fields := jsonFields(v)
	// Sorted, so that the same body always names the same field.
	for _, name := range slices.Sorted(maps.Keys(members)) {
		f, ok := fields[name]
		if !ok {
			return &memberError{name, fmt.Sprintf("unknown field %q; the fields are %s", name, strings.Join(slices.Sorted(maps.Keys(fields)), ", "))}
		}
		if err := json.Unmarshal(members[name], f.Addr().Interface()); err != nil {
			return &memberError{name, memberMessage(name, f.Type(), err)}
		}
	}
	return nil
}

// objectError explains why the body is not one JSON object.
func objectError(err error) error {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case errors.As(err, &typeErr):
		return &bodyError{fmt.Sprintf("request body must be a JSON object, not %s", article(typeErr.Value))}
	case isJSONError(err):
		return &bodyError{"request body is not valid JSON: " + err.Error()}
	}
	return err
}

// isJSONError reports whether err is about the JSON text rather than
// reading it.
func isJSONError(err error) bool {
	var syntax *json.SyntaxError
	return errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF)
}

// expectEnd rejects anything but white space after the first value: a
// second object or trailing garbage means the body is not what the
// client thinks it sent.
func expectEnd(dec *json.Decoder) error {
	_, err := dec.Token()
	switch {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil || isJSONError(err):
		return &bodyError{"request body has data after the JSON object"}
	}
	return err
}

// jsonFields maps the JSON names of v's fields to the fields.
func jsonFields(v any) map[string]reflect.Value {
	s := reflect.ValueOf(v).Elem()
	out := map[string]reflect.Value{}
	for i := range s.NumField() {
		sf := s.Type().Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		out[name] = s.Field(i)
	}
	return out
}

// memberMessage says what is wrong with one member: the JSON type it
// should have had, or why its value does not parse.
func memberMessage(name string, t reflect.Type, err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return fmt.Sprintf("%s must be %s, not %s", name, article(jsonType(t)), article(typeErr.Value))
	}
	return fmt.Sprintf("%s is not valid: %v", name, err)
}

// jsonType names the JSON type a Go type is decoded from.
func jsonType(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return "number"
	case t.Kind() == reflect.Slice:
		return "array"
	}
	return "object"
}

// article puts "a" or "an" before a JSON type name.
func article(name string) string {
	if strings.IndexByte("aeiou", name[0]) >= 0 {
		return "an " + name
	}
	return "a " + name
}
