# fakeapi: one static binary, fixtures embedded, nothing else in the image.
#   docker build -t fakeapi .
#   docker run --rm -p 127.0.0.1:8080:8080 fakeapi
# Base images are pinned by exact version; the build stage's flags are the
# ones cmd/fakeapi/image_test.go uses to prove the final stage runs alone.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/fakeapi ./cmd/fakeapi \
 && /out/fakeapi version

FROM scratch
COPY --from=build /out/fakeapi /fakeapi
# 65532 is the conventional "nonroot" id of distroless images; scratch has no
# /etc/passwd, so the number is used directly.
USER 65532:65532
# The binary listens on loopback unless told otherwise; a container must
# listen on every interface of its own network namespace to be reachable.
ENV FAKEAPI_ADDR=:8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=1s --retries=3 CMD ["/fakeapi", "healthcheck"]
ENTRYPOINT ["/fakeapi"]
