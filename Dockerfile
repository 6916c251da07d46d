# Chorus as a container: a static binary on a distroless base, run as a
# non-root user. The build steps are the commands CI runs (go vet, go build);
# no container engine runs where Chorus is developed, so this file is checked
# by reading, not by building (see README).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# modernc.org/sqlite is pure Go: no cgo, so the binary is static.
RUN CGO_ENABLED=0 go vet ./... && CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/chorus . && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/chorus /chorus
# Owned by the non-root user (65532 in distroless), so a new volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
# The embedded store and the generated secret live here unless
# CHORUS_MONGODB_URI and CHORUS_SECRET_FILE say otherwise.
VOLUME ["/data"]
ENV CHORUS_ADDR=0.0.0.0:8080 CHORUS_DATA_DIR=/data CHORUS_LOG_FORMAT=json
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["/chorus", "healthcheck"]
ENTRYPOINT ["/chorus"]
CMD ["serve"]
