package httpx

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// AllowedMethods lists the methods routes answers for path, for the Allow
// header of a 405. A custom chi MethodNotAllowed handler loses chi's own
// list, so it is found again by matching each method.
func AllowedMethods(routes chi.Routes, path string) []string {
	var out []string
	for _, m := range methods {
		if routes.Match(chi.NewRouteContext(), m, path) {
			out = append(out, m)
		}
	}
	return out
}
