# Builds the milterwatch jar and runs one role: `processor`, `worker` or `run`.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests package

FROM eclipse-temurin:17-jre
COPY --from=build /src/app/target/milterwatch.jar /opt/milterwatch/milterwatch.jar
# Not root (uid 10001): probes are plain TCP connections. A named volume on /data takes this owner
# when created; a secret file given to the container must be readable by this uid.
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin milterwatch \
    && mkdir -p /data && chown milterwatch /data
USER milterwatch
WORKDIR /data
# MILTERWATCH_JAVA_OPTS: JVM options (heap, say), as for ./milterwatch.
ENTRYPOINT ["/bin/sh", "-c", "exec java $MILTERWATCH_JAVA_OPTS -jar /opt/milterwatch/milterwatch.jar \"$@\"", "milterwatch"]
CMD ["--help"]
