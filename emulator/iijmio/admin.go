package iijmio

import (
	"bytes"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/fakeapi/fakeapi/internal/httpx"
)

// adminHandlers are the routes under /_fakeapi/iijmio/ (routes.go). Bodies
// are JSON, decoded strictly; errors use the admin shape {"error": "…"}.
type adminHandlers struct {
	tokenCreate, tokenList, tokenRevoke              http.Handler
	usageAdd, usageGet, regulationSet, couponAdd     http.Handler
	appList, appCreate, appGet, appUpdate, appDelete http.Handler
	appReissue                                       http.Handler
	notFound, notAllow                               http.HandlerFunc
}

const adminJSON = "application/json; charset=utf-8"

func newAdminHandlers(st Store, r chi.Routes) adminHandlers {
	return adminHandlers{
		tokenCreate:   named{"handleTokenCreate", handleTokenCreate(st)},
		tokenList:     named{"handleTokenList", handleTokenList(st)},
		tokenRevoke:   named{"handleTokenRevoke", handleTokenRevoke(st)},
		usageAdd:      named{"handleUsageAdd", handleUsageAdd(st)},
		usageGet:      named{"handleUsageGet", handleUsageGet(st)},
		regulationSet: named{"handleRegulationSet", handleRegulationSet(st)},
		couponAdd:     named{"handleCouponAdd", handleCouponAdd(st)},
		appList:       named{"handleAppList", handleAppList(st)},
		appCreate:     named{"handleAppCreate", handleAppCreate(st)},
		appGet:        named{"handleAppGet", handleAppGet(st)},
		appUpdate:     named{"handleAppUpdate", handleAppUpdate(st)},
		appDelete:     named{"handleAppDelete", handleAppDelete(st)},
		appReissue:    named{"handleAppReissue", handleAppReissue(st)},
		notFound: func(w http.ResponseWriter, _ *http.Request) {
			httpx.AdminError(w, http.StatusNotFound, "no such iijmio admin route")
		},
		notAllow: func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Allow", allowMethods(r, req.URL.Path))
			httpx.AdminError(w, http.StatusMethodNotAllowed, "method not allowed")
		},
	}
}

// adminFail writes a store or parse error in the admin shape.
func adminFail(w http.ResponseWriter, err error) {
	var ae *adminError
	switch {
	case errors.As(err, &ae):
		httpx.AdminError(w, ae.status, ae.msg)
	case httpx.IsTooLarge(err):
		httpx.AdminError(w, http.StatusRequestEntityTooLarge, "request body too large")
	default:
		httpx.AdminError(w, http.StatusBadRequest, "could not read the request body")
	}
}

// adminCall is the shape of every admin write: read the body, parse it, run
// do, and answer do's result as JSON with status. Every failure goes through
// adminFail.
func adminCall[T any](status int, parse func([]byte) (T, error), do func(*http.Request, T) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := httpx.ReadBody(r)
		if err != nil {
			adminFail(w, err)
			return
		}
		req, err := parse(b)
		if err != nil {
			adminFail(w, err)
			return
		}
		out, err := do(r, req)
		if err != nil {
			adminFail(w, err)
			return
		}
		httpx.WriteJSON(w, status, adminJSON, out)
	}
}

// readAdmin reads the capped body and decodes it strictly into v.
func readAdmin(r *http.Request, v any) error {
	b, err := httpx.ReadBody(r)
	if err != nil {
		return err
	}
	return decodeAdmin(b, v)
}

// decodeAdmin decodes exactly one JSON object with no unknown fields.
func decodeAdmin(b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequestf("want a JSON object body")
	}
	if err := httpx.UnmarshalStrict(b, v, true); err != nil {
		return badRequestf("invalid JSON body: %v", errors.Unwrap(err))
	}
	return nil
}

// tokenRequest is POST /tokens.
type tokenRequest struct {
	MioID       string `json:"mioId"`
	DeveloperID string `json:"developerId"`
}

func parseTokenRequest(b []byte) (tokenRequest, error) {
	var t tokenRequest
	if err := decodeAdmin(b, &t); err != nil {
		return t, err
	}
	if t.MioID == "" || t.DeveloperID == "" {
		return t, badRequestf("want mioId and developerId")
	}
	return t, nil
}

// handleTokenCreate handles "POST /tokens", the CI shortcut:
// {"mioId","developerId"} → 201 {"access_token", "expires_in": 7776000}
// (docs/providers/iijmio.md, "Getting a token").
func handleTokenCreate(st Store) http.HandlerFunc {
	return adminCall(http.StatusCreated, parseTokenRequest, func(_ *http.Request, req tokenRequest) (any, error) {
		tok, err := st.MintToken(req.MioID, req.DeveloperID)
		return struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
		}{tok.AccessToken, tokenTTLSeconds}, err
	})
}

// tokenInfo is a token as the admin API lists it.
type tokenInfo struct {
	Token
	ExpiresAt time.Time `json:"expiresAt"`
}

// handleTokenList handles "GET /tokens".
func handleTokenList(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		out := []tokenInfo{}
		for _, t := range st.Tokens() {
			out = append(out, tokenInfo{Token: t, ExpiresAt: t.IssuedAt.Add(tokenTTL)})
		}
		httpx.WriteJSON(w, http.StatusOK, adminJSON, map[string]any{"tokens": out})
	}
}

// handleTokenRevoke handles "DELETE /tokens/{token}".
func handleTokenRevoke(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := st.RevokeToken(chi.URLParam(r, "token")); err != nil {
			adminFail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// parseUsageRequest reads POST /usage: {"serviceCode", "mb", "date"?}.
func parseUsageRequest(b []byte) (usageRequest, error) {
	var in struct {
		ServiceCode string `json:"serviceCode"`
		MB          *int   `json:"mb"`
		Date        string `json:"date"`
	}
	if err := decodeAdmin(b, &in); err != nil {
		return usageRequest{}, err
	}
	switch {
	case in.ServiceCode == "":
		return usageRequest{}, badRequestf("want serviceCode (an hdo, hdu or hdx service code)")
	case in.MB == nil || *in.MB <= 0 || *in.MB > maxVolume:
		return usageRequest{}, badRequestf("want mb, an integer from 1 to %d", maxVolume)
	}
	if in.Date != "" {
		if _, ok := parseDay(in.Date); !ok {
			return usageRequest{}, badRequestf("date: want YYYYMMDD, got %q", in.Date)
		}
	}
	return usageRequest{ServiceCode: in.ServiceCode, MB: *in.MB, Date: in.Date}, nil
}

// handleUsageAdd handles "POST /usage": traffic on a line
// (docs/providers/iijmio.md, "Usage, coupons and throttling").
func handleUsageAdd(st Store) http.HandlerFunc {
	return adminCall(http.StatusOK, parseUsageRequest, func(_ *http.Request, req usageRequest) (any, error) {
		return st.AddUsage(req)
	})
}

// handleUsageGet handles "GET /usage[?serviceCode=]".
func handleUsageGet(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lines, err := st.LineUsage(r.URL.Query().Get("serviceCode"))
		if err != nil {
			adminFail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, adminJSON, map[string]any{"lines": lines})
	}
}

// handleRegulationSet handles "POST /regulation": {"serviceCode", "forced"}.
func handleRegulationSet(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			ServiceCode string `json:"serviceCode"`
			Forced      *bool  `json:"forced"`
		}
		if err := readAdmin(r, &in); err != nil {
			adminFail(w, err)
			return
		}
		if in.ServiceCode == "" || in.Forced == nil {
			adminFail(w, badRequestf("want serviceCode and forced (boolean)"))
			return
		}
		if err := st.SetRegulation(in.ServiceCode, *in.Forced); err != nil {
			adminFail(w, err)
			return
		}
		lines, err := st.LineUsage(in.ServiceCode)
		if err != nil {
			adminFail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, adminJSON, lines[0])
	}
}

// parseCouponRequest reads POST /coupons: {"hddServiceCode", "type",
// "volume", "expire"?}. Without expire a topup lasts to the end of the third
// month after this one, as the 2014 capture's topups (201401–201404 in
// January) suggest, and a bundle to the end of the next month
// (docs/providers/iijmio.md, "Endpoints").
func parseCouponRequest(b []byte) (hdd string, c Coupon, err error) {
	var in struct {
		HddServiceCode string `json:"hddServiceCode"`
		Type           string `json:"type"`
		Volume         *int   `json:"volume"`
		Expire         string `json:"expire"`
	}
	if err := decodeAdmin(b, &in); err != nil {
		return "", Coupon{}, err
	}
	switch {
	case in.HddServiceCode == "":
		return "", Coupon{}, badRequestf("want hddServiceCode")
	case in.Type != couponBundle && in.Type != couponTopup:
		return "", Coupon{}, badRequestf("type: want bundle or topup")
	case in.Volume == nil || *in.Volume <= 0 || *in.Volume > maxVolume:
		return "", Coupon{}, badRequestf("want volume, an integer MB from 1 to %d", maxVolume)
	}
	if in.Expire != "" {
		if _, ok := parseMonth(in.Expire); !ok {
			return "", Coupon{}, badRequestf("expire: want YYYYMM, got %q", in.Expire)
		}
	}
	return in.HddServiceCode, Coupon{Volume: *in.Volume, Expire: in.Expire, Type: in.Type}, nil
}

// handleCouponAdd handles "POST /coupons".
func handleCouponAdd(st Store) http.HandlerFunc {
	type couponAdd struct {
		hdd string
		c   Coupon
	}
	parse := func(b []byte) (couponAdd, error) {
		hdd, c, err := parseCouponRequest(b)
		return couponAdd{hdd, c}, err
	}
	return adminCall(http.StatusOK, parse, func(_ *http.Request, in couponAdd) (any, error) {
		return st.AddCoupon(in.hdd, in.c)
	})
}

// handleAppList handles "GET /apps".
func handleAppList(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, adminJSON, map[string]any{"apps": st.Developers()})
	}
}

// parseAppRequest reads an application for POST /apps and PUT /apps/{id}.
func parseAppRequest(b []byte) (Developer, error) {
	var d Developer
	if err := decodeAdmin(b, &d); err != nil {
		return d, err
	}
	if d.RedirectURIs == nil {
		return d, badRequestf("want redirectUris")
	}
	for _, u := range d.RedirectURIs {
		if msg := checkRedirectURI(u); msg != "" {
			return d, badRequestf("%s", msg)
		}
	}
	return d, nil
}

// handleAppCreate handles "POST /apps": an empty developerId is minted.
func handleAppCreate(st Store) http.HandlerFunc {
	return adminCall(http.StatusCreated, parseAppRequest, func(_ *http.Request, d Developer) (any, error) {
		return st.CreateDeveloper(d)
	})
}

// handleAppGet handles "GET /apps/{id}".
func handleAppGet(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, ok := st.Developer(chi.URLParam(r, "id"))
		if !ok {
			adminFail(w, notFoundf("unknown developerId %q", chi.URLParam(r, "id")))
			return
		}
		httpx.WriteJSON(w, http.StatusOK, adminJSON, d)
	}
}

// handleAppUpdate handles "PUT /apps/{id}": the body's developerId, if any,
// must be the path's.
func handleAppUpdate(st Store) http.HandlerFunc {
	return adminCall(http.StatusOK, parseAppRequest, func(r *http.Request, d Developer) (any, error) {
		id := chi.URLParam(r, "id")
		if d.DeveloperID != "" && d.DeveloperID != id {
			return nil, badRequestf("developerId cannot change; use POST /apps/%s/reissue", id)
		}
		d.DeveloperID = id
		return st.UpdateDeveloper(d)
	})
}

// handleAppDelete handles "DELETE /apps/{id}".
func handleAppDelete(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := st.DeleteDeveloper(chi.URLParam(r, "id")); err != nil {
			adminFail(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// handleAppReissue handles "POST /apps/{id}/reissue": デベロッパIDの再発行.
func handleAppReissue(st Store) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := st.ReissueDeveloper(chi.URLParam(r, "id"))
		if err != nil {
			adminFail(w, err)
			return
		}
		httpx.WriteJSON(w, http.StatusOK, adminJSON, d)
	}
}
