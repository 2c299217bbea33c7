package live

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
