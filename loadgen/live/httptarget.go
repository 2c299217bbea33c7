package live

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// keyPlaceholder in an HTTP target's URL or body is replaced by each
// request's key (the key prefix and the key's index).
const keyPlaceholder = "{key}"

// HTTPTarget is the request an HTTP load run sends, once per operation.
type HTTPTarget struct {
	// URL is http(s)://host[:port]/path?query, where {key} may appear in
	// the path and query: /items/{key} reads a different item each time.
	URL string
	// Method is GET unless set.
	Method string
	// Body, when set, is sent with every request, {key} replaced.
	Body string
	// Header is added to every request.
	Header http.Header
}

// httpMethods are the methods a target may use.
var httpMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// ParseHTTPTarget checks an http(s):// target URL; {key} may stand where a
// key goes.
func ParseHTTPTarget(rawURL, method, body string) (HTTPTarget, error) {
	fail := func(format string, args ...any) (HTTPTarget, error) {
		return HTTPTarget{}, fmt.Errorf("target %q: %s", rawURL, fmt.Sprintf(format, args...))
	}
	// {key} is not a valid URL character; check the URL with a stand-in.
	u, err := url.Parse(strings.ReplaceAll(rawURL, keyPlaceholder, "key"))
	if err != nil {
		return fail("not a URL: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fail("scheme %q: want http:// or https://", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fail("no host: want http://host[:port]/path")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fail("port %q: want 1 to 65535", port)
		}
	}
	if u.Fragment != "" {
		return fail("a fragment is never sent; leave it out")
	}
	if method == "" {
		method = http.MethodGet
	}
	method = strings.ToUpper(method)
	known := false
	for _, m := range httpMethods {
		known = known || m == method
	}
	if !known {
		return fail("method %q: want one of %s", method, strings.Join(httpMethods, ", "))
	}
	if body != "" && (method == http.MethodGet || method == http.MethodHead) {
		return fail("a %s request has no body; use --method POST or PUT", method)
	}
	return HTTPTarget{URL: rawURL, Method: method, Body: body}, nil
}

// String is the target as given, without user information.
func (t HTTPTarget) String() string {
	if u, err := url.Parse(strings.ReplaceAll(t.URL, keyPlaceholder, "KEY")); err == nil && u.User != nil {
		u.User = nil
		return strings.ReplaceAll(u.String(), "KEY", keyPlaceholder)
	}
	return t.URL
}

// opKind is the operation kind an HTTP run reports: its method, in lower
// case ("get").
func (t HTTPTarget) opKind() string { return strings.ToLower(t.Method) }

// headersMax bounds the headers a target carries, headerBytesMax one
// header line.
const (
	headersMax     = 100
	headerBytesMax = 8 << 10
)

// AddHeader adds one header given as curl and vegeta take it, "Name:
// value" (spaces around either trimmed; the value may be empty). The name
// keeps its spelling, as vegeta's does, for servers that look at case. A
// Host header sets the request's host. Content-Length and
// Transfer-Encoding are refused: the client sets them from the body.
func (t *HTTPTarget) AddHeader(line string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("header %q: %s", line, fmt.Sprintf(format, args...))
	}
	if len(line) > headerBytesMax {
		return fmt.Errorf("header of %d bytes: want at most %d", len(line), headerBytesMax)
	}
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return fail(`want "Name: value"`)
	}
	name, value = strings.TrimSpace(name), strings.TrimSpace(value)
	switch {
	case name == "":
		return fail(`no name before the colon: want "Name: value"`)
	case !httpguts.ValidHeaderFieldName(name):
		return fail("%q is not a header name (letters, digits and !#$%%&'*+-.^_`|~ only)", name)
	case !httpguts.ValidHeaderFieldValue(value):
		return fail("the value holds a control character (a line break?)")
	case strings.EqualFold(name, "Content-Length") || strings.EqualFold(name, "Transfer-Encoding"):
		return fail("%s is set by the client from --body", http.CanonicalHeaderKey(name))
	}
	if len(t.Header) >= headersMax {
		return fail("more than %d headers", headersMax)
	}
	if t.Header == nil {
		t.Header = http.Header{}
	}
	t.Header[name] = append(t.Header[name], value)
	return nil
}

// HeaderNames are the names of the headers the target adds, sorted.
func (t HTTPTarget) HeaderNames() []string {
	names := make([]string, 0, len(t.Header))
	for name := range t.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}
