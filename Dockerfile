# milterwatch images, one stage per role:
#   --target milterwatch (the default, last stage): the full command (`topics`, `targets`, `alerts`,
#                                                   `processor`, `worker`, `run` ...)
#   --target worker      a probe worker only: the slim role jar (no broker, no Kafka Streams), takes
#                        --config FILE, --bootstrap-servers, --topic-prefix and the environment
#   --target processor   a stream processor only: the slim role jar (no broker), same arguments
# Base images are build arguments with public defaults; a machine without a registry passes local
# ones (.ci/containers-setup builds localhost/milterwatch-jre:17 from Debian's packages):
#   podman build --build-arg JRE_IMAGE=localhost/milterwatch-jre:17 --build-arg PREBUILT=true ...
# PREBUILT=true takes the jars already built on this machine (./mvnw -DskipTests package) instead
# of building them inside the image (which needs BUILD_IMAGE, a JDK, and Maven Central).
ARG BUILD_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${BUILD_IMAGE} AS build
# Where each role's jar is in the build context, and the arguments that pick the role from it.
ARG APP_JAR=app/target/milterwatch.jar
ARG WORKER_JAR=probe-worker/target/milterwatch-worker.jar
ARG PROCESSOR_JAR=stream-processor/target/milterwatch-processor.jar
ARG PREBUILT=false
WORKDIR /src
COPY . .
RUN set -e; \
    if [ "$PREBUILT" = "true" ]; then \
      for jar in "$APP_JAR" "$WORKER_JAR" "$PROCESSOR_JAR"; do \
        [ -f "$jar" ] || { echo "PREBUILT=true but $jar is not in the build context: run ./mvnw -DskipTests package first" >&2; exit 1; }; \
      done; \
    else \
      ./mvnw -B -q -DskipTests package; \
    fi; \
    mkdir -p /out; cp "$APP_JAR" /out/milterwatch.jar; cp "$WORKER_JAR" /out/worker.jar; cp "$PROCESSOR_JAR" /out/processor.jar

FROM ${JRE_IMAGE} AS runtime
# Not root (uid 10001): probes are plain TCP connections. A named volume on /data takes this owner
# when created; a secret file given to the container must be readable by this uid.
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin milterwatch \
    && mkdir -p /data && chown milterwatch /data
USER milterwatch
WORKDIR /data

FROM runtime AS worker
# The role's command word: empty for the role jar, whose main is the worker ("worker" for the full jar).
ARG WORKER_COMMAND=
ENV MILTERWATCH_ROLE_COMMAND=${WORKER_COMMAND}
COPY --from=build /out/worker.jar /opt/milterwatch/milterwatch-worker.jar
# MILTERWATCH_JAVA_OPTS: JVM options (heap, say), as for ./milterwatch.
ENTRYPOINT ["/bin/sh", "-c", "exec java $MILTERWATCH_JAVA_OPTS -jar /opt/milterwatch/milterwatch-worker.jar $MILTERWATCH_ROLE_COMMAND \"$@\"", "milterwatch-worker"]
CMD []

FROM runtime AS processor
ARG PROCESSOR_COMMAND=
ENV MILTERWATCH_ROLE_COMMAND=${PROCESSOR_COMMAND}
COPY --from=build /out/processor.jar /opt/milterwatch/milterwatch-processor.jar
ENTRYPOINT ["/bin/sh", "-c", "exec java $MILTERWATCH_JAVA_OPTS -jar /opt/milterwatch/milterwatch-processor.jar $MILTERWATCH_ROLE_COMMAND \"$@\"", "milterwatch-processor"]
CMD []

FROM runtime AS milterwatch
COPY --from=build /out/milterwatch.jar /opt/milterwatch/milterwatch.jar
ENTRYPOINT ["/bin/sh", "-c", "exec java $MILTERWATCH_JAVA_OPTS -jar /opt/milterwatch/milterwatch.jar \"$@\"", "milterwatch"]
CMD ["--help"]
