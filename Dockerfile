# fakeapi: one static binary, fixtures embedded, nothing else in the image.
#   docker build -t fakeapi --build-arg VERSION=v0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
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
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="fakeapi" \
      org.opencontainers.image.description="Offline emulator of the IIJmio, Kii Cloud, Assist Tencho and mixi appli mobile APIs" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/fakeapi/fakeapi"
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
