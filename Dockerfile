# reconcile in a container: `docker build -t reconcile .`, then
#   docker run --rm -v "$PWD:/work" -e AWS_REGION -e AWS_ACCESS_KEY_ID \
#     -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN reconcile plan specs/stack.yaml
# The final image holds the binary and the C runtime only (distroless), and
# runs as a user without privileges.

FROM rust:1.94-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin reconcile \
    && strip target/release/reconcile

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /src/target/release/reconcile /usr/local/bin/reconcile
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/reconcile"]
CMD ["--help"]
