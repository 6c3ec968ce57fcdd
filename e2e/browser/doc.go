// Package browser holds fakeapi's headless-browser tests: Debian's chromium,
// driven with github.com/chromedp/chromedp, clicks through every page people
// use — IIJmio's login and consent (implicit grant, read back by a redirect
// page's script from location.hash), Assist Tencho's login, consent and error
// pages (code grant), mixi's invite:friends selection and confirmation, and
// the /_fakeapi/ dashboard, driven click by click.
//
// The package has only tests. Without chromium they skip with a banner; with
// CI=true a missing browser fails them. A failing step saves a screenshot and
// the page's HTML (see docs/TESTING-CLIENTS.md).
package browser
