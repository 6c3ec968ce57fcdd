package emulatortest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fakeapi/fakeapi/emulator/emulatortest"
)

// getCoupon asks IIJmio for the coupon balance with the fixtures' ready token.
func getCoupon(srv *emulatortest.Server) (int, string) {
	req, _ := http.NewRequest(http.MethodGet, srv.IIJmio()+"/mobile/d/v2/coupon/", nil)
	req.Header.Set("X-IIJmio-Developer", "MioponDemoApp000001")
	req.Header.Set("X-IIJmio-Authorization", "MioTaroDemoToken0000000000000001")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var body struct{ ReturnCode string }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.ReturnCode
}

// In a test, call emulatortest.Start(t) instead: it closes the server with
// t.Cleanup and fails the test when a helper call fails.
func Example() {
	srv, err := emulatortest.New(emulatortest.WithoutRateLimits())
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	fmt.Println(getCoupon(srv))
	// Output: 200 OK
}

// Advance moves the emulator clock: IIJmio tokens live 90 days.
func ExampleServer_Advance() {
	srv, _ := emulatortest.New(emulatortest.WithoutRateLimits())
	defer srv.Close()

	srv.Advance(91 * 24 * time.Hour)
	fmt.Println(getCoupon(srv))
	srv.Reset("iijmio") // the fixtures' token is valid again from now
	fmt.Println(getCoupon(srv))
	// Output:
	// 403 User Authorization Failure
	// 200 OK
}

// FailNext injects an error in the provider's own format.
func ExampleServer_FailNext() {
	srv, _ := emulatortest.New(emulatortest.WithoutRateLimits())
	defer srv.Close()

	srv.FailNext("iijmio", http.MethodGet, "/mobile/d/v2/coupon/", http.StatusServiceUnavailable, 1)
	fmt.Println(getCoupon(srv))
	fmt.Println(getCoupon(srv))
	// Output:
	// 503 Service Unavailable
	// 200 OK
}

// Client reaches the providers by their real host names, so code with a
// hard-coded base URL runs against the emulator unchanged.
func ExampleServer_Client() {
	srv, _ := emulatortest.New()
	defer srv.Close()

	body := `{"grant_type":"password","username":"taro.yamada","password":"taro-pass-1"}`
	req, _ := http.NewRequest(http.MethodPost, "https://api-jp.kii.com/api/apps/da0b6a25/oauth2/token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Kii-AppID", "da0b6a25")
	req.Header.Set("X-Kii-AppKey", "8174099687a26621f4e2cdd7cc03b3da")
	resp, err := srv.Client().Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var tok struct {
		TokenType string `json:"token_type"`
		ExpiresIn int64  `json:"expires_in"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	fmt.Println(resp.StatusCode, tok.TokenType, tok.ExpiresIn)
	// Output: 200 bearer 2147483647
}

// Journal lists what the code under test sent, with secrets masked.
func ExampleServer_Journal() {
	srv, _ := emulatortest.New(emulatortest.WithoutRateLimits())
	defer srv.Close()

	getCoupon(srv)
	for _, e := range srv.Journal("iijmio") {
		fmt.Println(e.Method, e.Path, e.Status, e.Headers["X-Iijmio-Authorization"])
	}
	// Output: GET /mobile/d/v2/coupon/ 200 ***
}
