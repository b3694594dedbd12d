# syntax=docker/dockerfile:1
# One image carrying every skewgate binary. Builds on Debian 12 with the same packages
# as hack/install-deps.sh; the runtime stage holds only the shared libraries needed.
FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libcpprest-dev libyaml-cpp-dev nlohmann-json3-dev libssl-dev libboost-dev libboost-system-dev \
      libgtest-dev libgmock-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSKEWGATE_BENCH=OFF \
    && cmake --build /build -j"$(nproc)" \
    && mkdir -p /out && find /build/bin -maxdepth 1 -type f -executable ! -name '*_test' ! -name '*_bench' -exec cp {} /out/ \;

FROM debian:12-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="skewgate" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.description="Kubernetes operator that gates ML model rollouts on live training-serving skew"
RUN apt-get update && apt-get install -y --no-install-recommends \
      libcpprest2.10 libyaml-cpp0.7 libssl3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 65532 --no-create-home --shell /usr/sbin/nologin skewgate
COPY --from=build /out/ /usr/local/bin/
RUN ln -s /usr/local/bin/skewgate /usr/local/bin/kubectl-skewgate
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/skewgate"]
