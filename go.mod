module github.com/fakeapi/fakeapi

go 1.26.8

require (
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
	github.com/dghubble/oauth1 v0.7.3
	github.com/go-chi/chi/v5 v5.5.0
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875
	github.com/go-oauth2/oauth2/v4 v4.5.4
	github.com/google/uuid v1.6.0
	github.com/mrjones/oauth v0.0.0-20190623134757-126b35219450
	github.com/stretchr/testify v1.12.1
	go.yaml.in/yaml/v3 v3.0.5
	golang.org/x/net v0.62.0
	golang.org/x/oauth2 v0.37.0
)

require github.com/golang-jwt/jwt/v5 v5.3.0 // indirect
