# Lab services (api, worker, load): Rust binaries built on the host, copied in.
ARG BASE_IMAGE=driftdock/base:latest
FROM ${BASE_IMAGE}
COPY .build/bin/lab-api .build/bin/lab-worker .build/bin/lab-load /usr/local/bin/
RUN chmod 0755 /usr/local/bin/lab-api /usr/local/bin/lab-worker /usr/local/bin/lab-load
ENTRYPOINT ["tini", "--"]
CMD ["lab-api"]
