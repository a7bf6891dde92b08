# Sigcar: one image, three roles. `docker run IMAGE proxy ...` (the sidecar), `IMAGE inject ...`
# (the admission webhook), and the tools (`sign`, `keygen`, `selftest`, `demo`).
#
#   docker build -t ghcr.io/sigcar/sigcar:0.1.0 .
#
# Base images are pinned by tag (eclipse-temurin 25, Ubuntu noble). Build and runtime share one
# distribution so libsigcar.so links the same glibc and OpenSSL 3 (libcrypto.so.3) it runs with.

# --- build: libsigcar.so (C11, BLAKE3's C sources, OpenSSL) and sigcar.jar ----------------------
FROM eclipse-temurin:25-jdk AS build
# BLAKE3's official C sources come from librust-blake3-dev; only its files are needed, not the ~60 Rust
# crates it depends on, so it is unpacked rather than installed.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      gcc libc6-dev make libssl-dev ca-certificates curl unzip \
 && cd /tmp && apt-get download librust-blake3-dev && dpkg-deb -x librust-blake3-dev_*.deb / \
 && rm -f librust-blake3-dev_*.deb && ls -d /usr/share/cargo/registry/blake3-*/c \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Maven and the dependencies first: this layer is reused until a pom changes.
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY native/pom.xml native/
COPY sidecar/pom.xml sidecar/
COPY loadtest/pom.xml loadtest/
# Test-only dependencies (Helm, Testcontainers, fuzzers: hundreds of MB) are not needed to package.
RUN ./mvnw -B -q -pl sidecar -am dependency:go-offline -DexcludeGroupIds=io.sigcar -DincludeScope=runtime
COPY native/Makefile native/sigcar.map native/
COPY native/include native/include
COPY native/src native/src
COPY sidecar/src/main sidecar/src/main
RUN ./mvnw -B -q -DskipTests -Dmaven.test.skip=true -pl sidecar -am package \
 && cp native/target/native/linux-x86_64/libsigcar.so sidecar/target/sigcar.jar /tmp/

# --- runtime: JRE 25, the jar, the library, the AOT cache; non-root, read-only root fs -------------
FROM eclipse-temurin:25-jre
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="sigcar" \
      org.opencontainers.image.description="Kubernetes sidecar that verifies HTTP request signatures (RFC 9421, GitHub, Stripe, Slack) before requests reach the app" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="https://github.com/sigcar/sigcar" \
      org.opencontainers.image.url="https://github.com/sigcar/sigcar" \
      org.opencontainers.image.vendor="Sigcar" \
      org.opencontainers.image.base.name="docker.io/library/eclipse-temurin:25-jre"
COPY --from=build /tmp/sigcar.jar /tmp/libsigcar.so /opt/sigcar/
COPY sidecar/src/main/docker/sigcar /usr/local/bin/sigcar
# AOT cache (JDK 25, JEP 483/514/515): one training run of the demo (sidecar + echo app + a tour of signed
# and bad requests, then 10 s of every scheme, GET and POST, HTTP/1.1 and h2c, audit on: `--train`)
# records loaded and linked classes and method profiles; every start then maps it.
# The cache is only valid for this JVM and this jar, so it is trained here, in the final stage.
# The selftest first: libsigcar needs libcrypto.so.3, which the base image has through ca-certificates;
# if it ever does not, the build stops here instead of shipping the slower Java fallback.
RUN chmod 0755 /usr/local/bin/sigcar \
 && SIGCAR_AOT=off sigcar selftest > /tmp/selftest.txt 2>&1 \
 && grep -q '^native library : loaded' /tmp/selftest.txt \
    || { cat /tmp/selftest.txt; echo 'libsigcar did not load in the runtime image' >&2; exit 1; } \
 && SIGCAR_AOT=train sigcar demo --once --train 10 --port 0 --admin-port 0 > /tmp/aot-training.log 2>&1 \
    || { cat /tmp/aot-training.log; exit 1; } \
 && test -s /opt/sigcar/sigcar.aot \
 && rm -rf /tmp/* \
 && chmod -R a+rX /opt/sigcar
# Nothing is written at run time: keys and config are mounted, logs go to stdout. /tmp is not needed
# (mount an emptyDir there only to use jcmd/jstack, which talk through it).
USER 65532:65532
WORKDIR /opt/sigcar
# 8000 sidecar HTTP (default listen), 9901 admin (/metrics /healthz /readyz), 8443 injector HTTPS.
EXPOSE 8000 9901 8443
# For plain Docker; Kubernetes uses the probes on the admin port instead. bash's /dev/tcp, no curl.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "p=${SIGCAR_ADMIN:-9901}; exec 3<>/dev/tcp/127.0.0.1/${p##*:} && printf 'GET /readyz HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["sigcar"]
CMD ["--help"]
