# Builds the milterwatch jar and runs one role: `processor`, `worker` or `run`.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests package

FROM eclipse-temurin:17-jre
COPY --from=build /src/cli/target/milterwatch.jar /opt/milterwatch/milterwatch.jar
WORKDIR /data
ENTRYPOINT ["java", "-jar", "/opt/milterwatch/milterwatch.jar"]
CMD ["--help"]
