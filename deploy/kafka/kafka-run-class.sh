#!/usr/bin/env bash
# Runs a Kafka class with the image's jars, as Kafka's own kafka-run-class.sh does.
exec java ${KAFKA_HEAP_OPTS:--Xmx256m} ${KAFKA_JVM_PERFORMANCE_OPTS:-} ${KAFKA_OPTS:-} \
  "-Dlog4j2.configurationFile=${KAFKA_LOG4J_CONFIG:-/etc/kafka/docker/log4j2.properties}" \
  -cp '/opt/kafka/libs/*' "$@"
